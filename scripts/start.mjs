#!/usr/bin/env node
// `npm start`: the seed's examples on both cores, then the WASM-vs-JS comparison.
// By default the examples run on the virtual clock (instant, exact); `npm start -- --real` runs
// them on the real clock as the seed does (8 s per trampoline example and core).
import * as wl from '../dist/index.js';
import { EXAMPLES } from '../examples/seed.mjs';

const real = process.argv.includes('--real');
const clock = real ? 'monotonic' : 'virtual';
console.log(`wasmloop — the seed's examples on both cores (${clock} clock${real ? '' : '; `npm start -- --real` for the real one'})\n`);

// Every line each example printed, as the seed shows it: once when both cores printed the same
// lines (always, on the virtual clock), else side by side (the real clock may differ in the last digit).
for (const [title, example] of EXAMPLES) {
  const runs = [];
  for (const core of ['wasm', 'js']) {
    const t0 = performance.now();
    const lines = await example(wl, { core, clock });
    runs.push({ core, lines, ms: (performance.now() - t0).toFixed(1) });
  }
  const [wasm, js] = runs;
  const same = wasm.lines.join('\n') === js.lines.join('\n');
  const how = runs.map((r) => `${r.core} core: ${r.lines.length} lines in ${r.ms} ms of real time`).join(' · ');
  console.log(`## ${title}\n   ${how} · ${same ? 'the same lines on both cores' : 'wasm | js'}`);
  const width = Math.max(0, ...wasm.lines.map((l) => l.length));
  for (let i = 0; i < Math.max(wasm.lines.length, js.lines.length); i++) {
    console.log(same ? `  ${wasm.lines[i]}` : `  ${(wasm.lines[i] ?? '').padEnd(width)} | ${js.lines[i] ?? ''}`);
  }
  console.log('');
}

const { main } = await import('../bench/run.mjs');
await main(['--quick', '--only', 'W1,W2', '--no-files']);
