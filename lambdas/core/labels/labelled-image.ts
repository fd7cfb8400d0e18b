/** One image with its consensus label joined to the prediction stored when it was profiled. */
export interface LabelledImage {
  readonly key: string;
  /** The prediction's dataset-day: performance is attributed to the day the model predicted. */
  readonly day: string;
  readonly label: string;
  readonly confidence: number;
  readonly prediction: string;
  /** The model's confidence in `prediction` (for estimating accuracy before labels: ATC). */
  readonly modelConfidence?: number | undefined;
  readonly correct: boolean;
  /** The label file it came from (the latest file wins for an image). */
  readonly source: string;
}
