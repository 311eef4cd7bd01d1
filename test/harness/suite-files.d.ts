/** The suite's file list, generated at bundle time by scripts/test-hosts.mjs (an esbuild plugin). */
declare module 'virtual:suite-files' {
  import type { SuiteFile } from './runner.js';
  export const FILES: SuiteFile[];
}
