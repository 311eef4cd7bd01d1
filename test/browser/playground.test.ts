/**
 * The playground (playground/, `npm run playground`) in Chromium: the seed's examples run live on
 * either core with a timeline of the loop's iterations, the seed's trace (traces/seed.json, as
 * `npm start` writes it) loaded from a file and drawn on the timeline (test/artifacts/trace.png;
 * docs/trace-playground.png is one of these), W1/W2 run in the page on both cores, and a
 * screenshot is saved to test/artifacts/playground.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wl from '../../bindings/index.js';
// @ts-expect-error plain JS module shared with `npm start`
import { namedTrampolines } from '../../examples/seed.mjs';
// @ts-expect-error plain JS module shared with `npm start`
import { seedTrace } from '../../examples/seed-trace.mjs';
import { openSession, type Session } from './helpers.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const NAMES = ['first', 'second', 'third'];
const TRAMPOLINES = NAMES.map((n) => `trampoline("${n}")`);

let s: Session;
let page: Awaited<ReturnType<Session['page']>>;
beforeAll(async () => {
  s = await openSession();
  page = await s.page({ width: 1280, height: 1080 });
  await page.goto(`${s.url}/playground/`);
  await page.waitForSelector('body[data-state=idle]');
});
afterAll(async () => {
  await s?.close();
});

/** What the page shows: output lines, the observer's iterations, the timeline's and the list's counts. */
async function shown() {
  return page.evaluate(() => {
    const st = (globalThis as any).__playground;
    const canvas = document.querySelector('#timeline') as HTMLCanvasElement;
    return {
      lines: document.querySelector('#output')!.textContent!.split('\n').filter(Boolean),
      iterations: st.iterations.map((it: any) => ({ time: it.time, labels: it.callbacks.map((c: any) => c.label) })) as { time: number; labels: string[] }[],
      drawnIterations: Number(canvas.dataset.iterations),
      drawnCallbacks: Number(canvas.dataset.callbacks),
      listed: document.querySelectorAll('#iterations li').length,
      legend: document.querySelector('#legend')!.textContent,
      state: document.body.dataset.state,
    };
  });
}

async function run(core: 'wasm' | 'js', clock: 'monotonic' | 'virtual') {
  await page.selectOption('#example', { label: 'three named trampolines, stopped at 8 s' });
  await page.check(`input[name=core][value=${core}]`);
  await page.check(`input[name=clock][value=${clock}]`);
  await page.click('#run');
}

describe('playground', () => {
  it('shows that the page is cross-origin isolated and the WASM core has shared memory', async () => {
    const env = await page.textContent('#env');
    expect(env).toContain('cross-origin isolated');
    expect(env).toContain('WASM core: shared memory');
    expect(page.errors).toEqual([]);
  });

  it('three named trampolines on the virtual clock (JS core): the exact output, and one timeline column per iteration', async () => {
    await run('js', 'virtual');
    await page.waitForSelector('body[data-state=done]', { timeout: 30_000 });
    const v = await shown();
    expect(v.lines).toEqual(await namedTrampolines(wl, { core: 'js', clock: 'virtual' }));
    expect(v.iterations.map((it) => it.time)).toEqual(Array.from({ length: 17 }, (_, i) => i * 0.5));
    for (const it of v.iterations.slice(0, 16)) expect(it.labels).toEqual(TRAMPOLINES);
    expect(v.iterations[16]!.labels).toEqual(['bound stop()', ...TRAMPOLINES]); // equal deadlines: scheduling order
    expect([v.drawnIterations, v.listed, v.drawnCallbacks]).toEqual([17, 17, 52]);
    for (const label of [...TRAMPOLINES, 'bound stop()']) expect(v.legend).toContain(label);
  });

  it('three named trampolines on the real clock (WASM core) run live: lines and iterations appear as the loop runs', async () => {
    await run('wasm', 'monotonic');
    await page.waitForFunction(() => document.querySelector('#output')!.textContent!.split('\n').filter(Boolean).length >= 6, null, { timeout: 10_000 });
    const midway = await shown();
    expect(midway.state).toBe('running');
    expect(midway.lines.length).toBeLessThan(48);
    expect(midway.drawnIterations).toBeGreaterThan(0);
    await page.waitForSelector('body[data-state=done]', { timeout: 30_000 });
    const v = await shown();
    // on a real clock each round starts a little after the last one's 0.5 s, so the 17th round
    // (at 8.0 s and a bit) may come after the stop at 8.0 s: 16 or 17 rounds
    expect([48, 51]).toContain(v.lines.length);
    v.lines.forEach((line, i) => {
      const m = /^(\w+) print_now at (\d+\.\d{3})$/.exec(line);
      expect(m?.[1]).toBe(NAMES[i % 3]);
      const round = Math.floor(i / 3);
      expect(Number(m![2])).toBeGreaterThanOrEqual(round * 0.5 - 0.001);
      expect(Number(m![2])).toBeLessThan(round * 0.5 + 0.25);
    });
    const labels = v.iterations.flatMap((it) => it.labels);
    expect(labels.filter((l) => l === 'bound stop()')).toHaveLength(1);
    expect(labels.filter((l) => TRAMPOLINES.includes(l))).toHaveLength(v.lines.length);
    expect(v.iterations[0]!.labels).toEqual(TRAMPOLINES);
    expect(v.drawnIterations).toBe(v.iterations.length);
    expect(v.listed).toBe(v.iterations.length);
    expect(v.drawnCallbacks).toBe(labels.length);
  });

  it("loads the seed's trace file and draws its iterations, callbacks, flows and task spans on the timeline", async () => {
    const trace = (await seedTrace(wl, { core: 'wasm', clock: 'virtual' })) as wl.Trace;
    const file = fileURLToPath(new URL('../../traces/seed.json', import.meta.url));
    mkdirSync(fileURLToPath(new URL('../../traces/', import.meta.url)), { recursive: true });
    writeFileSync(file, JSON.stringify(trace)); // what npm start writes
    const count = (pred: (e: wl.TraceEvent) => boolean) => trace.traceEvents.filter(pred).length;
    const want = {
      iterations: count((e) => e.ph === 'X' && e.name === 'iteration'),
      callbacks: count((e) => e.ph === 'X' && e.cat !== 'loop,iteration'),
      flows: count((e) => e.ph === 's'),
      tasks: count((e) => e.ph === 'b'),
    };
    expect(want.iterations).toBeGreaterThanOrEqual(17);
    expect(want.callbacks).toBeGreaterThanOrEqual(52);
    expect(want.flows).toBeGreaterThanOrEqual(48);
    expect(want.tasks).toBe(1);
    await page.setInputFiles('#trace-file', file);
    await page.waitForSelector('body[data-trace=loaded]');
    const drawn = await page.$eval('#timeline', (c) => ({ ...(c as HTMLCanvasElement).dataset }));
    expect(drawn).toEqual({ iterations: String(want.iterations), callbacks: String(want.callbacks), flows: String(want.flows), tasks: String(want.tasks) });
    const info = await page.textContent('#trace-info');
    expect(info).toContain(`seed.json: 1 thread, ${want.iterations} iterations, ${want.callbacks} callbacks, ${want.flows} flows, 1 task span · wasm core, virtual clock`);
    const legend = await page.textContent('#legend');
    for (const label of ['trampoline', 'stats watch()', 'iteration', 'timer flow', 'task span']) expect(legend).toContain(label);
    // the timeline's pixels: the flows' amber, the task span's green and the callbacks' colours are there
    const colours = await page.$eval('#timeline', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const seen = new Set<string>();
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0) seen.add(`${data[i]! >> 4},${data[i + 1]! >> 4},${data[i + 2]! >> 4}`);
      return seen.size;
    });
    expect(colours).toBeGreaterThan(20);
    mkdirSync(ARTIFACTS, { recursive: true });
    await (await page.$('section.timeline-panel'))!.screenshot({ path: `${ARTIFACTS}trace.png` });
    // a file that is not a trace says so, and the trace drawn stays
    const bad = fileURLToPath(new URL('../artifacts/not-a-trace.json', import.meta.url));
    writeFileSync(bad, '{"hello": 1}');
    await page.setInputFiles('#trace-file', bad);
    await page.waitForSelector('body[data-trace=failed]');
    expect(await page.textContent('#trace-info')).toContain('not a Trace Event JSON object');
    expect(page.errors).toEqual([]);
  });

  it('runs W1 and W2 (1M callSoon each) in the browser on both cores, then saves a screenshot', async () => {
    await page.click('#bench');
    await page.waitForSelector('body[data-bench=done]', { timeout: 120_000 });
    const bench = await page.evaluate(() => (globalThis as any).__bench);
    for (const id of ['W1', 'W2']) for (const core of ['wasm', 'js']) expect(bench[id][core]).toBeGreaterThan(0);
    const cells = await page.$$eval('#bench-table tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    expect(cells).toHaveLength(2);
    for (const row of cells) expect(row.slice(1, 3).every((c) => /^\d+\.\d ns\/callback$/.test(c!))).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}playground.png`, fullPage: true });
    expect(page.errors).toEqual([]);
  });
});
