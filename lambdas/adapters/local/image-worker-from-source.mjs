// Starts image-worker.ts in a worker thread when Driftwatch runs from its TypeScript source
// (vitest, tsx): Node 20 does not apply the loader hooks of the parent or of --import to a
// worker's own entry module, so the worker registers tsx itself before importing it.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./image-worker.ts', import.meta.url).href);
