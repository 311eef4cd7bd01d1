// W3m — memory per pending timer: 500,000 `callLater` timers with the handles dropped, against
// 500,000 Node `setTimeout`s; bytes of V8 heap + external memory (array buffers included) + the
// WASM core's memory, per timer, each measurement in a fresh process (../w3m-memory.mjs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ratioGoal } from '../lib/goals.mjs';
import { CORES } from '../lib/wasmloop.mjs';

const script = fileURLToPath(new URL('../w3m-memory.mjs', import.meta.url));

function childRun(impl) {
  return (n) => {
    const r = spawnSync(process.execPath, ['--expose-gc', script, impl, String(n)], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`w3m-memory ${impl}: ${(r.stderr || r.error?.message || 'failed').trim().split('\n').pop()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  };
}

export default {
  id: 'W3m',
  title: 'memory per pending timer (handles dropped)',
  unit: 'B/timer',
  size: { full: 500_000, quick: 100_000 },
  reference: 'wasm',
  warmup: false, // a fresh process per run: nothing to warm
  chart: { value: () => null },
  goals: [ratioGoal("≤ 0.4 × setTimeout's", '<=', 0.4, (r, c) => r[c].median / r.setTimeout.median)],
  competitors: [
    ...CORES.map((c) => ({ ...c, kind: c.name, run: childRun(c.name) })),
    { name: 'setTimeout', label: 'host setTimeout (Timeout objects dropped)', kind: 'host', run: childRun('setTimeout') },
  ],
};
