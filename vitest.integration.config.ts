import { defineConfig } from 'vitest/config';
import { TEST_ENV } from './vitest.env.ts';

/** `npm run test:integration`: the real AWS protocol against moto_server on 127.0.0.1. */
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    env: TEST_ENV,
  },
});
