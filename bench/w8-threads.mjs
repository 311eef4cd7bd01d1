// W8 (bench/README.md): 4 worker threads x 250,000 cross-thread submissions to one loop.
// Rows: wasmloop's callSoonThreadsafe through a port on each core (the inbox in shared memory,
// drained once per loop iteration), and plain postMessage to the main thread as the host's own
// primitive. Each run starts its producers, waits until all are ready, releases them at once
// (Atomics.notify) and times until the last submission is received; it checks that each was
// received exactly once and in per-producer order. Implementations are interleaved run by run;
// the median of the measured runs is reported with min–max.
//
//   run({ quick }) -> { id, title, unit, rows: [{ impl, value, unit, extra }] }
//     value: submissions per second (median); extra: { min, max, runs, sent, received, ratio }
//     ratio is value / the postMessage row's value.
// Standalone: node bench/workloads/w8.mjs [--quick]   (needs `npm run build`)
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { newEventLoop } from '../dist/index.js';

const WORKER = new URL('./w8-worker.mjs', import.meta.url);
export const PRODUCERS = 4;

async function startProducers(mode, n, port) {
  const start = new SharedArrayBuffer(4);
  const workers = [];
  const ready = [];
  for (let p = 0; p < PRODUCERS; p++) {
    const w = new Worker(WORKER, { workerData: { mode, port, producer: p, n, start } });
    ready.push(new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    }));
    workers.push(w);
  }
  await Promise.all(ready);
  return {
    workers,
    go() {
      const flag = new Int32Array(start);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    },
  };
}

/** One run through a wasmloop port; returns { seconds, received, ordered }. */
async function runLoop(core, n) {
  const loop = newEventLoop({ core });
  const total = PRODUCERS * n;
  const next = new Array(PRODUCERS).fill(0);
  let received = 0;
  let ordered = true;
  loop.expose('sub', (p, i) => {
    if (next[p] !== i) ordered = false;
    next[p] = i + 1;
    if (++received === total) loop.stop();
  });
  const { workers, go } = await startProducers('wasmloop', n, loop.port());
  const t0 = performance.now();
  go();
  await loop.runForever();
  const seconds = (performance.now() - t0) / 1000;
  loop.close();
  await Promise.all(workers.map((w) => w.terminate()));
  return { seconds, received, ordered };
}

/** One run of plain postMessage from the producers to this thread. */
async function runPostMessage(n) {
  const total = PRODUCERS * n;
  const next = new Array(PRODUCERS).fill(0);
  let received = 0;
  let ordered = true;
  const { workers, go } = await startProducers('postMessage', n, null);
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  for (const w of workers)
    w.on('message', (m) => {
      if (!Array.isArray(m)) return;
      const [p, i] = m;
      if (next[p] !== i) ordered = false;
      next[p] = i + 1;
      if (++received === total) done();
    });
  const t0 = performance.now();
  go();
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return { seconds, received, ordered };
}

export const IMPLS = [
  ['wasmloop wasm core', (n) => runLoop('wasm', n)],
  ['wasmloop js core', (n) => runLoop('js', n)],
  ['postMessage', (n) => runPostMessage(n)],
];

export async function run({ quick = false } = {}) {
  const n = quick ? 25_000 : 250_000;
  const runs = quick ? 3 : 5;
  const rates = IMPLS.map(() => []);
  const counts = IMPLS.map(() => ({ received: 0, ordered: true }));
  for (const [, fn] of IMPLS) await fn(n >> 2); // warm-up
  for (let r = 0; r < runs; r++)
    for (let k = 0; k < IMPLS.length; k++) {
      const res = await IMPLS[k][1](n);
      rates[k].push((PRODUCERS * n) / res.seconds);
      counts[k].received += res.received;
      counts[k].ordered &&= res.ordered;
    }
  const sent = PRODUCERS * n * runs;
  const stat = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[s.length >> 1], min: s[0], max: s[s.length - 1] };
  };
  const stats = rates.map(stat);
  const base = stats[IMPLS.length - 1].median;
  return {
    id: 'W8',
    title: `cross-thread: ${PRODUCERS} workers x ${n.toLocaleString('en')} submissions to one loop`,
    unit: 'submissions/s',
    rows: IMPLS.map(([impl], k) => ({
      impl,
      value: stats[k].median,
      unit: 'submissions/s',
      extra: { min: stats[k].min, max: stats[k].max, runs, sent, received: counts[k].received, ordered: counts[k].ordered, ratio: stats[k].median / base },
    })),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const res = await run({ quick: process.argv.includes('--quick') });
  console.log(`| ${res.id} | impl | ${res.unit} (min–max) | received / sent | ordered | vs postMessage |`);
  console.log('|---|---|---|---|---|---|');
  const f = (x) => Math.round(x).toLocaleString('en');
  for (const r of res.rows)
    console.log(`| W8 | ${r.impl} | ${f(r.value)} (${f(r.extra.min)}–${f(r.extra.max)}) | ${r.extra.received} / ${r.extra.sent} | ${r.extra.ordered} | ${r.extra.ratio.toFixed(2)} |`);
}
