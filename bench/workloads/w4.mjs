// W4 — the timer heap alone: push n random deadlines through the core (alloc a slot,
// pushTimer), then pop them all in deadline order (one tick at +Infinity), checking the order.
// Unit: ns per element (push + pop). flatqueue (mourner) gets the same keys; asyncio's own heap is
// heapq over its TimerHandle objects (what BaseEventLoop.call_at/_run_once do). uvloop keeps its
// timers in libuv's C heap, which Python cannot reach: not in this row.
import FlatQueue from 'flatqueue';
import { uniform } from '../lib/rng.mjs';
import { info, ratioGoal } from '../lib/goals.mjs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const SPAN = 1000;

function coreRun(kind) {
  return (n) => {
    const keys = uniform(n, SPAN);
    const loop = wl.newEventLoop({ core: kind }); // only for its core: the loop never runs
    const core = loop._core;
    const keyOf = new Float64Array(n * 2 + 64); // by slot
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const slot = core.alloc();
      keyOf[slot] = keys[i];
      core.pushTimer(slot, keys[i]);
    }
    const popped = core.tick(Infinity, 0);
    const value = ((performance.now() - t0) * 1e6) / n;
    if (popped !== n) throw new Error(`${popped} of ${n} popped`);
    const m = core.mem32;
    const base = core.batchBase;
    for (let i = 1; i < n; i++) if (keyOf[m[base + i]] < keyOf[m[base + i - 1]]) throw new Error('heap order broken');
    loop.close();
    return { value };
  };
}

function flatqueueRun(n) {
  const keys = uniform(n, SPAN);
  const q = new FlatQueue();
  const out = new Uint32Array(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) q.push(i, keys[i]);
  for (let i = 0; i < n; i++) out[i] = q.pop();
  const value = ((performance.now() - t0) * 1e6) / n;
  for (let i = 1; i < n; i++) if (keys[out[i]] < keys[out[i - 1]]) throw new Error('flatqueue order broken');
  return { value };
}

export default {
  id: 'W4',
  title: 'timer heap: push + pop 1M random deadlines',
  unit: 'ns/element',
  size: { full: 1_000_000, quick: 200_000 },
  reference: 'wasm',
  goals: [
    ratioGoal('≤ 0.6 × flatqueue', '<=', 0.6, (r, c) => r[c].median / r.flatqueue.median, ['wasm']),
    info('JS core × flatqueue', (r, c) => r[c].median / r.flatqueue.median, ['js']),
    ratioGoal('WASM ≥ 1.3 × faster than JS', '>=', 1.3, (r) => r.js.median / r.wasm.median, ['wasm']),
  ],
  competitors: [
    ...CORES.map((c) => ({ ...c, kind: c.name, run: coreRun(c.name) })),
    { name: 'flatqueue', label: 'flatqueue', kind: 'library', run: flatqueueRun },
    { name: 'asyncio', label: 'Python asyncio (heapq of TimerHandle)', kind: 'asyncio', python: { script: 'w4.py', impl: 'asyncio' } },
  ],
};
