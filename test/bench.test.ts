/** The benchmark harness (bench/): what it measures, in which order, and what it reports. */
import { describe, expect, it } from 'vitest';

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
    for (const id of ['W1', 'W1s', 'W2', 'W3', 'W3c', 'W3v', 'W4', 'W5', 'W6', 'W7', 'W8', 'W9']) expect(ids).toContain(id);
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
});
