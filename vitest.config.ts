import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/browser/ drives Chromium: `npm test` runs it as its own stage (scripts/test-hosts.mjs)
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/hosts/summary-reporter.ts'],
  },
});
