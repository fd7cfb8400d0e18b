import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

/**
 * Starts moto_server (real S3, SQS, DynamoDB and SNS protocol) on 127.0.0.1 for the integration
 * tests, through moto-server.py (which isolates DynamoDB writes as DynamoDB does), and stops it
 * afterwards. A missing moto_server fails the run with the fix, never a skip.
 */
export default async function setup(project: TestProject) {
  const moto = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
  if (moto.error || moto.status !== 0) {
    throw new Error(
      'moto_server is not installed: the integration tests need it. Install it with `pip install "moto[server]"` (it is preinstalled on Driftwatch CI machines).',
    );
  }
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const launcher = fileURLToPath(new URL('./moto-server.py', import.meta.url));
  const server: ChildProcess = spawn('python3', [launcher, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null)
      throw new Error(`moto_server exited with code ${server.exitCode}`);
    if (Date.now() - started > 20_000) {
      server.kill('SIGTERM');
      throw new Error('moto_server did not answer within 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  project.provide('awsEndpoint', endpoint);
  return async () => {
    server.kill('SIGTERM');
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}
