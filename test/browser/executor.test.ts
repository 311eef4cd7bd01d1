/**
 * runInExecutor with dist/index.js in a page with no bundler: the default pool runs a shipped
 * function in a module Web Worker, and a pool's module given by a URL relative to the page is
 * found and called by name. (The bundled conformance suite runs test/executor.test.ts in
 * Chromium's window too: `npm test`'s chromium stage.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSession, type Session } from './helpers.js';

let s: Session;
beforeAll(async () => {
  s = await openSession();
});
afterAll(async () => {
  await s?.close();
});

it('the default pool runs a shipped function in a Web Worker; a relative script is resolved against the page', async () => {
  const page = await s.page();
  await page.goto(`${s.url}/test/browser/fixtures/blank.html`);
  // a string, so that vitest's transform leaves the page's dynamic import alone
  const r: any = await page.evaluate(`(async () => {
    const wl = await import('/dist/index.js');
    const loop = wl.newEventLoop();
    const shipped = await loop.runUntilComplete(loop.runInExecutor(null, (a, b) => ({
      sum: a + b,
      worker: typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope,
    }), 2, 3));
    const pool = new wl.WorkerPoolExecutor({ maxWorkers: 1, script: './executor-tasks.js' });
    const named = await loop.runUntilComplete(loop.runInExecutor(pool, 'where', 7));
    const N = 500;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await loop.runUntilComplete(loop.runInExecutor(pool, (x) => x + 1, i));
    const latencyUs = ((performance.now() - t0) / N) * 1000;
    await pool.shutdown();
    loop.close();
    return { shipped, named, latencyUs };
  })()`);
  expect(r.shipped).toEqual({ sum: 5, worker: true });
  expect(r.named).toEqual({ x: 7, worker: true, hasDocument: false });
  expect(page.errors).toEqual([]);
  console.log(`chromium: a pool call's round trip (runUntilComplete of runInExecutor) takes ${r.latencyUs.toFixed(0)} µs`);
  await page.close();
});
