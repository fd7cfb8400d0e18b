import { defineConfig } from 'vitest/config';
import { TEST_ENV } from './vitest.env.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'test/browser/**', 'node_modules/**'],
    testTimeout: 60_000,
    setupFiles: ['test/helpers/setup.ts'],
    env: TEST_ENV,
  },
});
