/** The benchmark harness (bench/): what it measures, in which order, and what it reports. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
import { CORES } from './helpers.js';

// bench/ is plain JavaScript run by Node (it spawns Python, reads the machine through node:os):
// imported statically, so that scripts/test-hosts.mjs sees the node: modules it needs
// @ts-expect-error plain JS module (bench/)
import * as harness from '../bench/lib/harness.mjs';
// @ts-expect-error plain JS module (bench/)
import * as report from '../bench/lib/report.mjs';
// @ts-expect-error plain JS module (bench/)
import * as rngMod from '../bench/lib/rng.mjs';
// @ts-expect-error plain JS module (bench/)
import { loadWorkloads } from '../bench/run.mjs';
// @ts-expect-error plain JS module (bench/)
import * as goalsMod from '../bench/lib/goals.mjs';
// @ts-expect-error plain JS module (bench/)
import { PyRandom } from '../bench/lib/pyrandom.mjs';
// @ts-expect-error plain JS module (bench/)
import * as tree from '../bench/async-tree.mjs';

const PYTHON = '/usr/bin/python3';
// bench/ runs on Node (npm run bench); under Bun or Deno the W3m child is still Node's
const NODE = typeof (globalThis as any).Bun !== 'undefined' || typeof (globalThis as any).Deno !== 'undefined' ? 'node' : process.execPath;
const hasPython = existsSync(PYTHON);
const benchFile = (p: string): string => fileURLToPath(new URL(`../bench/${p}`, import.meta.url));
/** One of bench/python's scripts on CPython's asyncio: its JSON line. */
const py = (script: string, ...args: (string | number)[]): any =>
  JSON.parse(execFileSync(PYTHON, [benchFile(`python/${script}`), 'asyncio', ...args.map(String)], { encoding: 'utf8' }).trim().split('\n').pop()!);

describe('bench harness', () => {
  it('the deadline generator is xorshift32 from the fixed seed, the sequence bench/python/common.py draws', () => {
    const next = rngMod.rng();
    // xorshift32 by hand: x ^= x << 13; x ^= x >>> 17; x ^= x << 5 (mod 2^32), from 2463534242
    let x = 2463534242n;
    for (let i = 0; i < 1000; i++) {
      x ^= (x << 13n) & 0xffffffffn;
      x ^= x >> 17n;
      x ^= (x << 5n) & 0xffffffffn;
      expect(next()).toBe(Number(x) / 4294967296);
    }
    const u = rngMod.uniform(1000, 0.5);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(0.5);
  });

  it('stats: the median of an even count is the mean of the middle two; min and max', () => {
    expect(harness.stats([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(harness.stats([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10 });
  });

  it('measure interleaves the competitors (A B A B …), records errors and skips without losing the others', async () => {
    const order: string[] = [];
    let a = 0;
    const w = {
      id: 'T',
      unit: 'ns/op',
      size: { full: 8, quick: 4 },
      reference: 'a',
      competitors: [
        { name: 'a', label: 'A', kind: 'wasm', run: async (n: number) => (order.push(`a${n}`), { value: 10 + a++ }) },
        { name: 'b', label: 'B', kind: 'js', run: async (n: number) => (order.push(`b${n}`), { value: 30, extra: 'x' }) },
        { name: 'c', label: 'C', kind: 'host', run: async () => { throw new Error('broken'); } },
        { name: 'd', label: 'D', kind: 'host', available: () => 'not here', run: async () => ({ value: 1 }) },
      ],
    };
    const results = await harness.measure(w, { quick: false, runs: 3 });
    // one warm-up at a quarter of the size, then three rounds in the same order
    expect(order).toEqual(['a2', 'b2', 'a8', 'b8', 'a8', 'b8', 'a8', 'b8']);
    const by = Object.fromEntries(results.map((r: any) => [r.name, r]));
    expect(by.a.runs).toEqual([11, 12, 13]);
    expect(by.a.median).toBe(12);
    expect(by.b.ratio).toBe(30 / 12);
    expect(by.b.extras).toEqual({ extra: 'x' });
    expect(by.c.error).toBe('broken');
    expect(by.c.median).toBeUndefined();
    expect(by.d.skipped).toBe('not here');
  });

  it('every workload module loads; W1–W5 run both cores against the WASM core as reference; W7 hands its measuring to the echo bench, W8 runs both cores and postMessage', async () => {
    const ws = await loadWorkloads();
    const ids = ws.map((w: any) => w.id);
    for (const id of ['W1', 'W1s', 'W2', 'W3', 'W3c', 'W3m', 'W3v', 'W4', 'W5', 'W6', 'W7', 'W8', 'W9', 'W10', 'W10io', 'W10m', 'W10c', 'W10e', 'W10eio', 'W10em', 'W10ec', 'W11', 'W11f'])
      expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const w of ws.filter((w: any) => /^W[1-5]/.test(w.id))) {
      expect(w.reference).toBe('wasm');
      expect(w.competitors.map((c: any) => c.name).slice(0, 2)).toEqual(['wasm', 'js']);
      expect(w.notBuilt?.() ?? null).toBe(null);
    }
    for (const w of ws.filter((w: any) => /^W[78]/.test(w.id))) expect(w.notBuilt?.() ?? null).toBe(null);
    const w8 = ws.find((w: any) => w.id === 'W8');
    expect(w8.competitors.map((c: any) => c.name)).toEqual(['wasm', 'js', 'postMessage']);
    expect(w8.reference).toBe('postMessage');
    for (const id of ['W7', 'W7x10']) expect(typeof ws.find((w: any) => w.id === id).external).toBe('function');
  });

  it('the report: a summary row per workload, "not built yet" rows, and a log-scale SVG bar per ns figure', () => {
    const r = (name: string, kind: string, median: number) => ({ name, label: `L-${name}`, kind, n: 100, runs: [median], median, min: median, max: median, ratio: median / 10, extras: {} });
    const rep = {
      meta: { runtime: 'node', version: 'v0', v8: '0', cores: 2, cpu: 'cpu', python: '3', uvloop: '0', date: 'today' },
      options: { quick: true, runs: 1 },
      workloads: [
        { id: 'W1', title: 'trampoline', unit: 'ns/callback', status: 'ok', results: [r('wasm', 'wasm', 20), r('js', 'js', 40), r('asyncio', 'asyncio', 2000)], goals: [{ text: 'fast', met: true }] },
        { id: 'W7', title: 'tcp', unit: 'msg/s', status: 'not built yet' },
        // a skipped competitor (Python absent) may come without a size: its row says why, and the run goes on
        { id: 'W7x10', title: 'tcp x10', unit: 'msg/s', status: 'ok', results: [r('node net', 'host', 20000), { name: 'asyncio protocol', label: 'asyncio protocol', kind: 'python', skipped: 'asyncio protocol: /usr/bin/python3 absent' }] },
      ],
    };
    const md = report.markdown(rep);
    expect(md).toContain('| W7x10 | asyncio protocol |  | n/a  |  |  | asyncio protocol: /usr/bin/python3 absent |');
    expect(md).toContain('| W1 | trampoline | ns/callback | 20 | 40 | 0.500 | 2000 | — |');
    expect(md).toContain('✅ fast');
    expect(md).toContain('| W7 | tcp | msg/s | not built yet |');
    const svg: string = report.svg(rep);
    expect(svg.startsWith('<svg')).toBe(true);
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    // log scale: 20 → 40 → 2000 ns grow, and a factor of 100 spans log(100)/log(2) times the width of a factor of 2
    expect(widths[0]! < widths[1]! && widths[1]! < widths[2]!).toBe(true);
    expect((widths[2]! - widths[0]!) / (widths[1]! - widths[0]!)).toBeCloseTo(Math.log10(100) / Math.log10(2), 1);
  });
  it('goals: a ratio per core, judged against its target and printed with it; a ratio that cannot be taken leaves the goal unjudged', () => {
    const by = { wasm: { median: 10 }, js: { median: 30 }, floor: { median: 10 } };
    const [met, missed, na, info] = goalsMod.judge(
      [
        goalsMod.ratioGoal('≤ 1.5 × floor', '<=', 1.5, (r: any, c: string) => r[c].median / r.floor.median, ['wasm']),
        goalsMod.ratioGoal('≤ 1.5 × floor', '<=', 1.5, (r: any, c: string) => r[c].median / r.floor.median),
        goalsMod.ratioGoal('≥ 2 × setImmediate', '>=', 2, (r: any, c: string) => r.setImmediate.median / r[c].median),
        goalsMod.info('× floor', (r: any, c: string) => r[c].median / r.floor.median),
      ],
      by,
    );
    expect(met).toEqual({ text: '≤ 1.5 × floor', met: true, detail: 'WASM 1.00× ✅' });
    expect(missed.met).toBe(false);
    expect(goalsMod.goalText(missed)).toBe('❌ ≤ 1.5 × floor: WASM 1.00× ✅, JS 3.00× ❌');
    expect(na.met).toBe(null);
    expect(goalsMod.goalText(na)).toBe('? ≥ 2 × setImmediate: WASM n/a, JS n/a');
    expect(goalsMod.goalText(info)).toBe('ℹ × floor: WASM 1.00×, JS 3.00×');
    // a ratio exactly at the target meets it; the old boolean form still works
    expect(goalsMod.judge([goalsMod.ratioGoal('t', '>=', 3, () => 3, ['js'])], by)[0].met).toBe(true);
    expect(goalsMod.judge([{ text: 'old', check: () => false }], by)[0]).toEqual({ text: 'old', met: false, detail: '' });
  });

  it("PyRandom is CPython's random: seed(0), random(), randint() draw CPython's sequence", () => {
    const r = new PyRandom(0);
    expect([1, 2, 3, 4, 5].map(() => r.randint(1, 100))).toEqual([50, 98, 54, 6, 34]);
    expect(r.random()).toBe(0.9654648863619172);
    r.seed(0);
    expect(r.random()).toBe(0.8444218515250481);
    expect(() => r.seed(-1)).toThrow(RangeError);
    if (hasPython) {
      const mine = new PyRandom(0);
      const js = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? mine.random() : mine.randint(1, 100 + i)));
      const code = 'import random, json\nrandom.seed(0)\nprint(json.dumps([random.random() if i % 3 == 0 else random.randint(1, 100 + i) for i in range(2000)]))';
      expect(js).toEqual(JSON.parse(execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' })));
    }
  });

  it('async_tree (W10): factorial is math.factorial; every variant, style and task factory gives the counts asyncio gives', async () => {
    let f = 1n;
    for (let i = 2n; i <= 500n; i++) f *= i;
    expect(tree.factorial(500)).toBe(f);
    expect(tree.factorial(0)).toBe(1n);
    expect(tree.taskCount(6)).toBe(55987);
    // asyncio's counts at 3 levels (216 leaves), as bench/python/w10.py prints them on CPython 3.11
    const expected: Record<string, object> = {
      none: { leaves: 216, io: 0, memoHits: 0, factorials: 0 },
      io: { leaves: 216, io: 216, memoHits: 0, factorials: 0 },
      memoization: { leaves: 216, io: 95, memoHits: 121, factorials: 0 },
      cpu_io_mixed: { leaves: 216, io: 65, memoHits: 57, factorials: 94 },
    };
    if (hasPython)
      for (const variant of tree.VARIANTS) {
        const { value, ...counts } = py('w10.py', 3, variant, 'lazy');
        expect(counts).toEqual(expected[variant]);
        expect(value).toBeGreaterThan(0);
      }
    for (const core of CORES)
      for (const variant of tree.VARIANTS)
        for (const style of ['generator', 'async'])
          for (const eager of [false, true]) {
            const { value, ...counts } = await tree.runTree(wl, { core, variant, levels: 3, style, eager, clock: 'virtual' });
            expect({ core, variant, style, eager, ...counts }).toEqual({ core, variant, style, eager, ...expected[variant] });
            expect(value).toBeGreaterThanOrEqual(0);
          }
    // the bench's own runs: the default (real) clock, where io sleeps 50 ms
    const real = await tree.runTree(wl, { core: 'wasm', variant: 'io', levels: 2, style: 'generator', eager: false });
    expect(real.io).toBe(36);
    expect(real.value).toBeGreaterThanOrEqual(49);
    expect(() => tree.makeTree(wl, 'nope', 3, 'generator')).toThrow(RangeError);
    expect(() => tree.makeTree(wl, 'none', 3, 'callbacks')).toThrow(RangeError);
  }, 60_000);

  it('W3m: a fresh process measures bytes per pending timer, the loop holding every timer with the handles dropped', () => {
    const run = (impl: string) => JSON.parse(execFileSync(NODE, ['--expose-gc', benchFile('w3m-memory.mjs'), impl, '20000'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    for (const impl of [...CORES, 'setTimeout']) {
      const r = run(impl);
      // a pending timer costs something, and far less than a kilobyte anywhere
      expect(r.value).toBeGreaterThan(16);
      expect(r.value).toBeLessThan(1024);
      expect(r.value).toBeCloseTo(r.heapB + r.externalB + r.wasmMemoryB, 6);
    }
    expect(() => run('nope')).toThrow();
  }, 60_000);

  it('W11: the Python trampoline and fan-out run on CPython (the same source Pyodide runs)', () => {
    if (!hasPython) return void expect(existsSync(benchFile('python/w11_code.py'))).toBe(true);
    for (const which of ['trampoline', 'fanout']) expect(py('w11.py', 1000, which).value).toBeGreaterThan(0);
  });
});
