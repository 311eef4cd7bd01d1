// W8 — cross-thread: 4 worker threads × 250,000 callSoonThreadsafe submissions to one loop through
// `loop.port()` (API.md §8), against plain postMessage to the main thread. value: submissions per
// second; extras: received and whether each producer's submissions arrived in order (received
// must equal sent). The producers and their release are in ../w8-threads.mjs (also runnable alone).
import { ratioGoal } from '../lib/goals.mjs';
import { IMPLS, PRODUCERS } from '../w8-threads.mjs';

const BASE = { wasm: 2.66, js: 2.12 };
const NAMES = { 'wasmloop wasm core': 'wasm', 'wasmloop js core': 'js', postMessage: 'postMessage' };

export default {
  id: 'W8',
  title: `cross-thread: ${PRODUCERS} workers × 250k callSoonThreadsafe`,
  unit: 'submissions/s',
  size: { full: 250_000, quick: 25_000 },
  reference: 'postMessage',
  higherIsBetter: true,
  chart: { value: (r) => 1e9 / r.median, label: 'ns per submission' },
  goals: [
    ratioGoal('WASM ≥ 1.3 × faster than JS', '>=', 1.3, (r) => r.wasm.median / r.js.median, ['wasm']),
    // no regression (issue #15): the 2026-11-27 run had 2.66 × (WASM) and 2.12 × (JS) postMessage's rate; 15 % noise margin
    ratioGoal('no regression: ≥ 0.85 × the 2026-11-27 ratio to postMessage (2.66 WASM, 2.12 JS)', '>=', 0.85, (r, c) => r[c].median / r.postMessage.median / BASE[c]),
  ],
  competitors: IMPLS.map(([label, fn]) => ({
    name: NAMES[label],
    label,
    kind: NAMES[label] === 'postMessage' ? 'host' : NAMES[label],
    run: async (n) => {
      const r = await fn(n);
      if (r.received !== PRODUCERS * n) throw new Error(`received ${r.received} of ${PRODUCERS * n} submissions`);
      if (!r.ordered) throw new Error('a producer\'s submissions arrived out of order');
      return { value: (PRODUCERS * n) / r.seconds, received: r.received, sent: PRODUCERS * n };
    },
  })),
};
