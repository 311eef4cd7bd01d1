/**
 * API.md §1.8 in Chromium, where the limit is real: the renderer reserves 8 GiB of address space
 * for every WebAssembly memory and refuses a new one with about 120 alive in a page and its
 * workers. A Web Worker keeps 300 loops whose core nobody named: every one is made and works (the
 * first ones WASM, the rest JS); a loop that names 'wasm' then gets the RangeError that says why;
 * once the loops are closed, WASM loops can be made again.
 */
// proves: §1.8
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSession, type Session } from './helpers.js';

let s: Session;
beforeAll(async () => {
  s = await openSession();
});
afterAll(async () => {
  await s?.close();
});

it('300 live loops in a Web Worker: all made and working, WASM while the host gives memories, then JS', async () => {
  const page = await s.page();
  await page.goto(`${s.url}/test/browser/fixtures/blank.html`);
  const N = 300;
  const r: any = await page.evaluate(`new Promise((resolve) => {
    const w = new Worker('/test/browser/fixtures/memories-worker.js', { type: 'module' });
    w.onmessage = (e) => { resolve(e.data); w.terminate(); };
    w.onerror = (e) => resolve({ error: e.message });
    w.postMessage({ n: ${N} });
  })`);
  expect(r.error).toBeUndefined();
  expect((r.kinds.wasm ?? 0) + (r.kinds.js ?? 0)).toBe(N);
  expect(r.kinds.wasm).toBeGreaterThan(50); // the host gave memories at first…
  expect(r.kinds.js).toBeGreaterThan(0); // …and then refused: the rest fell back
  expect(r.named).toMatch(/^RangeError: wasmloop: core memory exhausted: the host refused a new WebAssembly memory .*close\(\).*core: 'js'/);
  expect(r.ran).toBe(2 * N);
  expect(r.afterClose).toBe(20);
  expect(page.errors).toEqual([]);
  console.log(`chromium: ${r.kinds.wasm} live WASM loops in a worker before the host refused a memory; ${r.kinds.js} JS`);
  await page.close();
});
