#!/usr/bin/env node
// `npm run bench`: every workload of bench/workloads/ (W1–W8 of bench/README.md) on the WASM core, the JS
// core, the host's own primitives and, where /usr/bin/python3 has them, asyncio and uvloop —
// interleaved in one run. Prints the tables (markdown) and writes bench/results/latest.json and
// latest.svg. Options:
//   --quick          smaller sizes and 3 runs (under a minute; CI smoke run)
//   --only W1,W3     these workloads (an id also selects its variants: W1 → W1, W1s)
//   --runs N         measured runs per implementation (default 5, quick 3)
//   --no-files       print only
//   --cpu-prof [DIR] after the measured runs, one more run of each WASM/JS competitor under V8's
//                    CPU profiler: DIR/<id>-<name>.cpuprofile (default bench/results/prof)
// main(argv) is exported for `npm start` (scripts/start.mjs).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, measure, systemInfo } from './lib/harness.mjs';
import { judge } from './lib/goals.mjs';
import { markdown, svg } from './lib/report.mjs';

function parse(argv) {
  const opt = { quick: false, only: null, runs: null, files: true, cpuProf: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opt.quick = true;
    else if (a === '--no-files') opt.files = false;
    else if (a === '--only') opt.only = String(argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--runs') opt.runs = Number(argv[++i]);
    else if (a === '--cpu-prof') opt.cpuProf = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : join(BENCH_DIR, 'results', 'prof');
    else throw new Error(`bench: unknown option ${a} (see the top of bench/run.mjs)`);
  }
  if (opt.runs !== null && !(Number.isInteger(opt.runs) && opt.runs >= 1)) throw new Error('bench: --runs needs a positive integer');
  opt.runs ??= opt.quick ? 3 : 5;
  return opt;
}

/** Every workload, in file order (w1, w2, w3, w3m, w3v, …, w9, w10); a module exports one workload or a list. */
export async function loadWorkloads(dir = join(BENCH_DIR, 'workloads')) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.mjs'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })); // w9 before w10
  const out = [];
  for (const f of files) {
    const mod = await import(pathToFileURL(join(dir, f)).href);
    out.push(...[mod.default].flat());
  }
  return out;
}

const selected = (id, only) => !only || only.some((o) => id === o || (id.startsWith(o) && /^[a-z]/.test(id.slice(o.length))) || id.startsWith(`${o}x`));

export async function main(argv = process.argv.slice(2)) {
  const opt = parse(argv);
  const log = (s) => process.stderr.write(`${s}\n`);
  const workloads = (await loadWorkloads()).filter((w) => selected(w.id, opt.only));
  const report = { meta: systemInfo(), options: { quick: opt.quick, runs: opt.runs, only: opt.only }, workloads: [] };
  for (const w of workloads) {
    const why = w.notBuilt?.() ?? null;
    if (why !== null) {
      report.workloads.push({ id: w.id, title: w.title, unit: w.unit, status: 'not built yet', why });
      continue;
    }
    log(`${w.id} ${w.title}`);
    const started = performance.now();
    // a workload that measures itself (W7's server processes) hands back results of the same shape
    const results = w.external ? await w.external({ quick: opt.quick, runs: opt.runs, log }) : await measure(w, { quick: opt.quick, runs: opt.runs, log, cpuProf: opt.cpuProf });
    log(`  ${w.id}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    const goals = judge(w.goals, by);
    report.workloads.push({ id: w.id, title: w.title, unit: w.unit, status: 'ok', reference: w.reference, chart: w.chart, results, goals });
  }
  const table = markdown(report);
  console.log(table);
  if (opt.files) {
    const dir = join(BENCH_DIR, 'results');
    mkdirSync(dir, { recursive: true });
    const json = { ...report, workloads: report.workloads.map(({ chart, ...w }) => ({ ...w, chartLabel: chart?.label })) };
    writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(join(dir, 'latest.svg'), svg(report));
    log(`wrote ${join('bench', 'results', 'latest.json')} and latest.svg`);
  }
  return report;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
