#!/usr/bin/env node
// `npm start`: the seed's examples on both cores, the same seed's Python on wasmloop inside Pyodide,
// a trace, then the WASM-vs-JS comparison.
// By default the examples run on the virtual clock (instant, exact); `npm start -- --real` runs
// them on the real clock as the seed does (8 s per trampoline example and core).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as wl from '../dist/index.js';
import { EXAMPLES } from '../examples/seed.mjs';
import { seedTrace } from '../examples/seed-trace.mjs';
import { PYTHON_SEEDS, pythonSeedRunner } from '../examples/python-seed.mjs';
import { installPyodideLoop } from '../dist/pyodide.js';

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

// The same seed in Python, unmodified (examples/python/), on wasmloop inside Pyodide
{
  const t0 = performance.now();
  const run = await pythonSeedRunner(installPyodideLoop);
  console.log(`## the seed's Python on wasmloop inside Pyodide (wasmloop/pyodide) · Pyodide started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const name of PYTHON_SEEDS) {
    const lines = {};
    for (const core of ['wasm', 'js']) lines[core] = run(name, { core, clock });
    const same = lines.wasm.join('\n') === lines.js.join('\n');
    console.log(`   examples/python/${name}.py · ${lines.wasm.length} lines · ${same ? 'the same lines on both cores' : 'the cores differ (real clock): wasm shown'}`);
    const shown = lines.wasm.length <= 8 ? lines.wasm : [...lines.wasm.slice(0, 4), `… ${lines.wasm.length - 7} more …`, ...lines.wasm.slice(-3)];
    for (const l of shown) console.log(`  ${l}`);
  }
  console.log('');
}

// A trace of the three named trampolines (WASM core), for Perfetto and the playground
const trace = await seedTrace(wl, { core: 'wasm', clock });
mkdirSync(new URL('../traces/', import.meta.url), { recursive: true });
writeFileSync(new URL('../traces/seed.json', import.meta.url), JSON.stringify(trace));
const count = (name) => trace.traceEvents.filter((e) => e.name === name && e.ph === 'X').length;
console.log(`## a trace of the three named trampolines → traces/seed.json`);
console.log(`   ${count('iteration')} iterations, ${count('trampoline')} trampoline callbacks, ${trace.traceEvents.filter((e) => e.ph === 's').length} timer flows, ${trace.traceEvents.filter((e) => e.ph === 'b').length} task span (stats), ${trace.otherData.clock} clock`);
console.log('   open it at https://ui.perfetto.dev (Open trace file), in chrome://tracing, or in the playground (npm run playground, "Load a trace")\n');

const { main } = await import('../bench/run.mjs');
await main(['--quick', '--only', 'W1,W2', '--no-files']);
