/**
 * The playground's "Python (Pyodide)" section (playground/python.js): the seed's three named
 * trampolines as unmodified Python, on wasmloop inside Pyodide in a Web Worker (Pyodide from the
 * served node_modules), drawn on its own timeline. One page, one worker: Pyodide loads once; both
 * cores run in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, type Session } from './helpers.js';

const NAMES = ['first', 'second', 'third'];
const times = Array.from({ length: 17 }, (_, i) => (i * 0.5).toFixed(3));

let s: Session;
let page: Awaited<ReturnType<Session['page']>>;
beforeAll(async () => {
  s = await openSession();
  page = await s.page({ width: 1280, height: 1080 });
  await page.goto(`${s.url}/playground/`);
  await page.waitForSelector('#py-section[data-state=idle]');
});
afterAll(async () => {
  await s?.close();
});

async function runPython(core: 'wasm' | 'js') {
  await page.selectOption('#py-core', core);
  await page.selectOption('#py-clock', 'virtual');
  await page.click('#py-run');
  await page.waitForSelector('#py-section:is([data-state=done], [data-state=error])', { timeout: 120_000 });
  return page.evaluate(() => {
    const st = (globalThis as any).__playgroundPython;
    const canvas = document.querySelector('#py-timeline') as HTMLCanvasElement;
    return {
      state: (document.querySelector('#py-section') as HTMLElement).dataset.state,
      status: document.querySelector('#py-status')!.textContent,
      source: document.querySelector('#py-source')!.textContent,
      output: document.querySelector('#py-output')!.textContent!.split('\n').filter(Boolean),
      iterations: st.iterations.filter((it: any) => it.labels.length > 0).map((it: any) => ({ time: it.time, labels: it.labels })),
      drawnIterations: Number(canvas.dataset.iterations),
      drawnCallbacks: Number(canvas.dataset.callbacks),
    };
  });
}

describe('playground: Python (Pyodide)', () => {
  it.each(['wasm', 'js'] as const)("runs the seed's named trampolines in a worker and draws their iterations (%s core, virtual clock)", async (core) => {
    const r = await runPython(core);
    expect(r.status).toMatch(/^done: 51 lines/);
    expect(r.state).toBe('done');
    expect(r.source).toContain('loop.call_later(8, loop.stop)');
    expect(r.output).toEqual(times.flatMap((t) => NAMES.map((n) => `${n} print_now at ${t}`)));
    // one iteration per tick, the three trampolines in it, at the loop time they printed
    expect(r.iterations).toEqual(times.map((t) => ({ time: Number(t), labels: NAMES })));
    await page.waitForFunction(() => Number((document.querySelector('#py-timeline') as HTMLCanvasElement).dataset.callbacks) === 51);
    const drawn = await page.evaluate(() => (document.querySelector('#py-timeline') as HTMLCanvasElement).dataset.iterations);
    expect(Number(drawn)).toBe(17);
    expect(page.errors).toEqual([]);
  });
});
