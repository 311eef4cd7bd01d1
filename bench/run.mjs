#!/usr/bin/env node
// Benchmarks (see ../shared/BENCH.md and bench/README.md). This first cut measures W1 and W2 on
// both cores, interleaved, median of the measured runs with min–max and the ratio WASM/JS.
// main(argv) is also called by `npm start` with ['--quick', '--only', 'W1,W2', '--no-files'].
import { pathToFileURL } from 'node:url';
import * as wl from '../dist/index.js';
import { w1, w2 } from './workloads.mjs';

const CORES = ['wasm', 'js'];

const WORKLOADS = { W1: ['trampoline (runForever)', (core, n) => w1(wl, core, n)], W2: ['fan-out, schedule + run', (core, n) => w2(wl, core, n)] };

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[s.length >> 1], min: s[0], max: s[s.length - 1] };
}

export async function main(argv = process.argv.slice(2)) {
  const quick = argv.includes('--quick');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : Object.keys(WORKLOADS);
  const n = quick ? 200_000 : 1_000_000;
  const runs = 5;
  console.log(`| id | workload | wasm ns/op (min–max) | js ns/op (min–max) | wasm/js |`);
  console.log(`|---|---|---|---|---|`);
  for (const id of only) {
    const [title, fn] = WORKLOADS[id];
    const times = { wasm: [], js: [] };
    for (const core of CORES) await fn(core, n >> 2); // warm-up
    for (let r = 0; r < runs; r++) for (const core of CORES) times[core].push(await fn(core, n));
    const s = Object.fromEntries(CORES.map((c) => [c, stats(times[c])]));
    const cell = (x) => `${x.median.toFixed(1)} (${x.min.toFixed(1)}–${x.max.toFixed(1)})`;
    console.log(`| ${id} | ${title} | ${cell(s.wasm)} | ${cell(s.js)} | ${(s.wasm.median / s.js.median).toFixed(2)} |`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
