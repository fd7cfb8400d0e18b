/**
 * A worker thread of ImageWorkerPool: analyses the images the pool sends, one at a time, with the
 * same use case as the main thread (decode with sharp, extract features).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeImage } from '../../use-cases/analyze-image.ts';
import { SharpDecoder } from '../sharp-codec.ts';
import type { AnalyzeTask, ImageWorkerSettings, WorkerMessage } from './image-worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('image-worker.ts runs as a worker thread of ImageWorkerPool');
const decoder = new SharpDecoder((workerData as ImageWorkerSettings).maxPixels);

port.on('message', async ({ id, bytes }: AnalyzeTask) => {
  let reply: WorkerMessage;
  try {
    reply = { id, analysis: await analyzeImage(bytes, decoder) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id, error: { name: e.name, message: e.message, stack: e.stack } };
  }
  port.postMessage(reply);
});
port.postMessage({ ready: true } satisfies WorkerMessage);
