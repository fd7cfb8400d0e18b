import type { TestProject } from 'vitest/node';
import { startMoto } from './moto.ts';

/** Starts moto_server for the integration tests and stops it afterwards; never a skip. */
export default async function setup(project: TestProject) {
  const moto = await startMoto();
  project.provide('awsEndpoint', moto.endpoint);
  return async () => moto.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}
