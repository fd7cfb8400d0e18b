export { DriftPipeline } from './drift-pipeline.ts';
export type { EnvironmentConfig } from './environments.ts';
