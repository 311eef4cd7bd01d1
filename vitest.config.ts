import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples import the package by name; the tests run them against the sources
  resolve: {
    alias: [
      { find: /^wasmloop\/node$/, replacement: new URL('./bindings/node.ts', import.meta.url).pathname },
      { find: /^wasmloop\/pyodide$/, replacement: new URL('./bindings/pyodide.ts', import.meta.url).pathname },
      { find: /^wasmloop\/web$/, replacement: new URL('./bindings/web.ts', import.meta.url).pathname },
      { find: /^wasmloop$/, replacement: new URL('./bindings/index.ts', import.meta.url).pathname },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/browser/ drives Chromium: `npm test` runs it as its own stage (scripts/test-hosts.mjs)
    exclude: ['test/browser/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/harness/summary-reporter.ts'],
  },
});
