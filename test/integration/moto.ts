import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface RunningMoto {
  readonly endpoint: string;
  stop(): void;
}

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
 * Starts moto_server (real S3, SQS, DynamoDB and SNS protocol) on a free 127.0.0.1 port through
 * moto-server.py, which isolates DynamoDB writes as DynamoDB does. A missing moto fails with the fix.
 */
export async function startMoto(): Promise<RunningMoto> {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
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
  const stop = () => {
    server.kill('SIGTERM');
  };
  // A script that exits without calling stop (an uncaught error) must not leave moto running.
  process.once('exit', stop);
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null)
      throw new Error(`moto_server exited with code ${server.exitCode}`);
    if (Date.now() - started > 20_000) {
      stop();
      throw new Error('moto_server did not answer within 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
