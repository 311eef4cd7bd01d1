#!/usr/bin/env node
// `npm start`: the seed's examples on both cores, then the WASM-vs-JS comparison.
// By default the examples run on the virtual clock (instant, exact); `npm start -- --real` runs
// them on the real clock as the seed does (8 s per trampoline example and core).
import * as wl from '../dist/index.js';
import { EXAMPLES } from '../examples/seed.mjs';

const real = process.argv.includes('--real');
const clock = real ? 'monotonic' : 'virtual';
console.log(`wasmloop — the seed's examples on both cores (${clock} clock${real ? '' : '; `npm start -- --real` for the real one'})\n`);

for (const [title, example] of EXAMPLES) {
  for (const core of ['wasm', 'js']) {
    const t0 = performance.now();
    const lines = await example(wl, { core, clock });
    const ms = (performance.now() - t0).toFixed(1);
    console.log(`## ${title} — ${core} core (${lines.length} lines, ${ms} ms of real time)`);
    const shown = lines.length > 12 ? [...lines.slice(0, 6), `… ${lines.length - 9} more …`, ...lines.slice(-3)] : lines;
    for (const l of shown) console.log(`  ${l}`);
    console.log('');
  }
}

const { main } = await import('../bench/run.mjs');
await main(['--quick', '--only', 'W1,W2', '--no-files']);
