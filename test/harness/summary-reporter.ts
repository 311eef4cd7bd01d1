/**
 * A vitest reporter that adds the closing line every runtime's run ends with (`N passed, N failed`,
 * alone on a line), after vitest's own report. Used on Node (vitest.config.ts) and by the
 * Chromium-driving tests (test/browser/vitest.config.ts).
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    for (const m of testModules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++; // a file that failed to load
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
      }
    }
    console.log(`\n${passed} passed, ${failed} failed`);
  }
}
