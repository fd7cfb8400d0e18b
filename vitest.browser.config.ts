import { defineConfig } from 'vitest/config';

/** `npm run test:browser`: the HTML report opened in headless Chromium (Debian's chromium package). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 240_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
