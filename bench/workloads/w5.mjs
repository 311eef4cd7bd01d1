// W5 — schedule + cancel timers in batches of 1,000 (callLater(1000 s) then cancel each), one
// batch per loop iteration, never firing one. value: ns per pair; peakMB: the process's peak RSS
// over its RSS when the run began (the process also holds what earlier workloads left);
// growthMB: peak RSS over the second half of the run minus the peak over its first quarter (flat
// memory: about 0). Python and setTimeout run fewer pairs (their per-pair cost is 10-50 times
// higher); the cores run the full 10M.
import { ratioGoal } from '../lib/goals.mjs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const BATCH = 1000;
const BASE = { wasm: 0.9, js: 0.87 };
const noop = () => {};

/** RSS sampler: call tick(batchIndex) every batch; result() → { peakMB, growthMB }. */
export function memoryTracker(batches) {
  const every = Math.max(1, Math.floor(batches / 200));
  const start = process.memoryUsage.rss();
  let early = 0;
  let late = 0;
  let peak = start;
  return {
    tick(b) {
      if (b % every !== 0) return;
      const rss = process.memoryUsage.rss();
      if (rss > peak) peak = rss;
      if (b < batches / 4 && rss > early) early = rss;
      if (b >= batches / 2 && rss > late) late = rss;
    },
    result: () => ({ peakMB: Math.round((peak - start) / 2 ** 20), growthMB: Math.round((late - early) / 2 ** 20) }),
  };
}

function loopRun(core) {
  return async (n) => {
    const batches = Math.ceil(n / BATCH);
    const loop = wl.newEventLoop({ core });
    const mem = memoryTracker(batches);
    const handles = new Array(BATCH);
    let b = 0;
    let maxTimers = 0;
    const step = () => {
      for (let i = 0; i < BATCH; i++) handles[i] = loop.callLater(1000, noop);
      for (let i = 0; i < BATCH; i++) handles[i].cancel();
      const held = loop._core.timerCount();
      if (held > maxTimers) maxTimers = held;
      mem.tick(b);
      if (++b < batches) loop.callSoon(step);
      else loop.stop();
    };
    loop.callSoon(step);
    const t0 = performance.now();
    await loop.runForever();
    const value = ((performance.now() - t0) * 1e6) / (batches * BATCH);
    loop.close();
    return { value, ...mem.result(), maxTimers };
  };
}

function setTimeoutRun(n) {
  return new Promise((resolve) => {
    const batches = Math.ceil(n / BATCH);
    const mem = memoryTracker(batches);
    const timers = new Array(BATCH);
    let b = 0;
    const t0 = performance.now();
    const step = () => {
      for (let i = 0; i < BATCH; i++) timers[i] = setTimeout(noop, 1_000_000);
      for (let i = 0; i < BATCH; i++) clearTimeout(timers[i]);
      mem.tick(b);
      if (++b < batches) setImmediate(step);
      else resolve({ value: ((performance.now() - t0) * 1e6) / (batches * BATCH), ...mem.result() });
    };
    setImmediate(step);
  });
}

const other = { full: 2_000_000, quick: 200_000 };

export default {
  id: 'W5',
  title: 'schedule + cancel 10M timers, batches of 1,000',
  unit: 'ns/pair',
  size: { full: 10_000_000, quick: 1_000_000 },
  reference: 'wasm',
  goals: [
    {
      text: 'memory flat: the core holds ≤ 2 batches, RSS growth ≤ 16 MB',
      check: (r) => ['wasm', 'js'].every((k) => r[k].extras.maxTimers <= 2 * BATCH && r[k].extras.growthMB <= 16),
    },
    // no regression (issue #15): the 2026-11-27 run had 0.90 × (WASM) and 0.87 × (JS) setTimeout+clearTimeout's ns per pair; 15 % noise margin
    ratioGoal('no regression: ns/pair ≤ 1.15 × the 2026-11-27 ratio to setTimeout (0.90 WASM, 0.87 JS)', '<=', 1.15, (r, c) => r[c].median / r.setTimeout.median / BASE[c]),
  ],
  competitors: [
    ...CORES.map((c) => ({ ...c, kind: c.name, run: loopRun(c.name) })),
    { name: 'setTimeout', label: 'host setTimeout + clearTimeout', kind: 'host', size: other, run: setTimeoutRun },
    { name: 'asyncio', label: 'Python asyncio', kind: 'asyncio', size: other, python: { script: 'w5.py', impl: 'asyncio' } },
    { name: 'uvloop', label: 'Python uvloop', kind: 'uvloop', size: other, python: { script: 'w5.py', impl: 'uvloop' } },
  ],
};
