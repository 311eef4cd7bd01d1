/**
 * wasmloop/pyodide in Chromium (issue #16): on a cross-origin-isolated page, a Web Worker loads
 * Pyodide from the served node_modules (never downloaded) and runs the seed's Python files
 * unmodified on wasmloop, blocking as CPython does, on both cores; the window's main thread (which
 * may not block) gets the RuntimeError that names the way out, and run_until_complete_async runs
 * the loop there. Pyodide loads twice for the file, in the worker and on the page at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onFixturePage, openSession, type Session } from './helpers.js';

let s: Session;
beforeAll(async () => {
  s = await openSession();
});
afterAll(async () => {
  await s?.close();
});

const onPage = <T>(call: string) => onFixturePage<T>(s, 'pyodide-page.js', call);

const times = Array.from({ length: 17 }, (_, i) => (i * 0.5).toFixed(3));
const CORES = ['wasm', 'js'] as const;

// one page, one worker: Pyodide loads twice for the file (in the worker and on the page, at once)
let r: any;
let errors: string[];
beforeAll(async () => {
  ({ result: r, errors } = await onPage<any>(`both(${JSON.stringify(CORES)})`));
});

describe.each(CORES)("the seed's Python in a Chromium Web Worker (%s core)", (core) => {
  it('print_now twice under run_until_complete(asyncio.sleep(3)); the trampoline stopped at 8 s, 17 runs; the three named trampolines: exact times on the virtual clock', () => {
    expect(r.worker.error).toBeUndefined();
    expect(r.worker.crossOriginIsolated).toBe(true);
    expect(r.worker.canBlock).toBe(true);
    expect(r.worker.runs[core]).toEqual({
      print_now_twice: ['print_now at 0.000', 'print_now at 0.000'],
      trampoline: times.map((t) => `print_now at ${t}`),
      named_trampolines: times.flatMap((t) => ['first', 'second', 'third'].map((n) => `${n} print_now at ${t}`)),
    });
    expect(errors).toEqual([]);
  });
});

describe.each(CORES)("the window's main thread (%s core)", (core) => {
  it('run_forever and run_until_complete raise the RuntimeError that says to use a worker or run_until_complete_async, which runs the trampoline to 8 s there', () => {
    expect(r.main.crossOriginIsolated).toBe(true);
    const m = r.main.results[core];
    expect(m.refusals).toHaveLength(2);
    expect(m.refusals[0]).toMatch(/^run_forever\(\) cannot block this thread \(.+\): run this Python code in a Web Worker, or await loop\.run_until_complete_async\(aw\) from JavaScript, which runs the loop without blocking$/);
    expect(m.refusals[1]).toMatch(/^run_until_complete\(\) cannot block this thread/);
    expect(m.ended).toBe(8);
    expect(m.running).toBe(false);
    expect(m.out).toEqual(times.map((t) => `print_now at ${t}`));
    expect(errors).toEqual([]);
  });
});
