import { defineConfig } from 'vitest/config';
import { TEST_ENV } from './vitest.env.ts';

/** `npm run test:browser`: the HTML report opened in headless Chromium (Debian's chromium package). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 240_000,
    env: TEST_ENV,
  },
});
