/**
 * dist/index.js in a page with no bundler (an import map for the bare name), on a
 * cross-origin-isolated page and on an ordinary one (served under /plain/ without COOP/COEP), and
 * what the host adapter does in each: shared memory only where isolated, blocking only in a worker
 * of an isolated page, and a clear refusal everywhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wl from '../../bindings/index.js';
// @ts-expect-error plain JS module shared with `npm start`
import { EXAMPLES } from '../../examples/seed.mjs';
import { openSession, type Session } from './helpers.js';

let s: Session;
beforeAll(async () => {
  s = await openSession();
});
afterAll(async () => {
  await s?.close();
});

async function expected(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const core of ['wasm', 'js']) for (const [title, example] of EXAMPLES) out[`${core}: ${title}`] = await example(wl, { core, clock: 'virtual' });
  return out;
}

async function probeWorker(page: Awaited<ReturnType<Session['page']>>, prefix: string) {
  return page.evaluate(
    (url) =>
      new Promise<any>((resolve, reject) => {
        const w = new Worker(url, { type: 'module' });
        w.onmessage = (e) => resolve(e.data);
        w.onerror = (e) => reject(new Error(e.message));
      }),
    `${prefix}/test/browser/fixtures/worker-probe.js`,
  );
}

describe.each([
  ['a cross-origin-isolated page', ''],
  ['an ordinary page', '/plain'],
])('dist/index.js with no bundler, on %s', (_, prefix) => {
  const isolated = prefix === '';

  it('imports through an import map and runs the seed examples on both cores', async () => {
    const page = await s.page();
    await page.goto(`${s.url}${prefix}/test/fixtures/app/no-bundler.html`);
    await page.waitForFunction(() => (globalThis as any).__appResult, null, { timeout: 30_000 });
    expect(await page.evaluate(() => (globalThis as any).__appResult)).toEqual(await expected());
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(isolated);
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe(isolated ? 'function' : 'undefined');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it("the window's main thread refuses to block, saying why", async () => {
    const page = await s.page();
    await page.goto(`${s.url}${prefix}/test/fixtures/app/no-bundler.html`);
    // a string, so that vitest's transform leaves the page's dynamic import alone
    const r = await page.evaluate(`(async () => {
      const lib = await import(${JSON.stringify(`${prefix}/dist/index.js`)});
      const loop = lib.newEventLoop({ clock: 'virtual' });
      loop.callSoon(() => loop.stop());
      try {
        loop.runForeverSync();
        return { ok: true };
      } catch (e) {
        return { ok: false, name: e.name, message: e.message, pending: loop.isRunning() };
      }
    })()`);
    expect(r).toEqual({
      ok: false,
      name: 'RuntimeError',
      message: "runForeverSync() cannot block this thread: a browser window's main thread may not block (Atomics.wait): run it in a Web Worker; use the promise-based runner instead",
      pending: false,
    });
    await page.close();
  });

  it(isolated ? 'a Web Worker may block: runForeverSync runs' : 'a Web Worker may not block either, and the refusal says the page is not isolated', async () => {
    const page = await s.page();
    await page.goto(`${s.url}${prefix}/test/fixtures/app/no-bundler.html`);
    const r = await probeWorker(page, prefix);
    if (isolated) expect(r).toEqual({ ok: true, time: 1, isolated: true });
    else {
      expect(r.ok).toBe(false);
      expect(r.name).toBe('RuntimeError');
      expect(r.message).toContain('this page is not cross-origin isolated, so SharedArrayBuffer is unavailable');
      expect(r.message).toContain("'Cross-Origin-Opener-Policy: same-origin'");
    }
    await page.close();
  });
});
