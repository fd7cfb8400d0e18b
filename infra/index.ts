/** The package's CDK entry (`import { DriftPipeline } from 'driftwatch/cdk'`). */
export {
  DriftPipeline,
  type DriftPipelineProps,
  type DriftPipelineSettings,
} from './drift-pipeline.ts';
