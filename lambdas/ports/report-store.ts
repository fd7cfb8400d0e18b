/** Where rendered HTML reports go (S3 reports/ in AWS, <out>/report locally). */
export interface ReportStore {
  /**
   * Stores the report of a dataset-day, and the same document as the dataset's latest report
   * unless that already holds a newer day (a backfill never moves latest backwards).
   */
  saveReport(dataset: string, day: string, html: string): Promise<void>;
}
