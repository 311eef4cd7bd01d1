// The measuring side of the benchmarks: interleaved runs, statistics, the Python bridge and the
// description of the machine. Workloads (bench/workloads/*.mjs) only say what to run; this file
// decides how often and in which order (see bench/README.md, "Writing a workload").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PYTHON = '/usr/bin/python3';

/** Median with min and max (values are numbers; NaN-free). */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

const pythonInfo = new Map();
/** What Python side `interpreter` has: { asyncio: version|null, uvloop: version|null, why }. */
export function python(interpreter = PYTHON) {
  if (pythonInfo.has(interpreter)) return pythonInfo.get(interpreter);
  const info = (() => {
    if (!existsSync(interpreter)) return { asyncio: null, uvloop: null, why: `${interpreter} not found` };
    const probe = spawnSync(
      interpreter,
      ['-c', 'import sys, json\ntry:\n import uvloop; u = uvloop.__version__\nexcept ImportError:\n u = None\nprint(json.dumps([sys.version.split()[0], u]))'],
      { encoding: 'utf8' },
    );
    if (probe.status !== 0) return { asyncio: null, uvloop: null, why: `${interpreter} failed: ${probe.stderr.trim()}` };
    const [version, uvloop] = JSON.parse(probe.stdout);
    return { asyncio: version, uvloop, why: uvloop ? null : interpreter === PYTHON ? 'python3-uvloop is not installed (npm run bench:setup)' : `${interpreter} has no uvloop` };
  })();
  pythonInfo.set(interpreter, info);
  return info;
}

/** Runs one Python measurement: bench/python/<script> <impl> <n> ...args → its JSON object. */
export function runPython(script, impl, n, args = [], interpreter = PYTHON) {
  const r = spawnSync(interpreter, [join(BENCH_DIR, 'python', script), impl, String(n), ...args.map(String)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`${script} ${impl}: ${(r.stderr || r.error?.message || 'failed').trim().split('\n').pop()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The machine and runtimes, for every results file. */
export function systemInfo() {
  const cpus = os.cpus();
  const py = python();
  return {
    date: new Date().toISOString(),
    runtime: typeof Bun !== 'undefined' ? 'bun' : typeof Deno !== 'undefined' ? 'deno' : 'node',
    version: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    python: py.asyncio,
    uvloop: py.uvloop,
  };
}

/**
 * Runs `fn` under the inspector's CPU profiler; writes `<dir>/<name>.cpuprofile` (open it in
 * Chrome DevTools' Performance panel or speedscope); returns its path and its top self-time functions.
 */
export async function profileRun(dir, name, fn) {
  const { Session } = await import('node:inspector');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  try {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 }); // µs
    await post('Profiler.start');
    try {
      await fn();
    } finally {
      const { profile } = await post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name.replace(/[^\w.-]+/g, '_')}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      name = `${file}\n${topSelf(profile)
        .map((t) => `      ${t.pct.toFixed(1).padStart(5)} %  ${t.fn}`)
        .join('\n')}`;
    }
    return name;
  } finally {
    session.disconnect();
  }
}

/** The functions with the most self time in a .cpuprofile: [{ fn, pct }], at most `k`. */
export function topSelf(profile, k = 10) {
  const by = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const f = node.callFrame;
    const where = f.url ? ` ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    by.set(key, (by.get(key) ?? 0) + hits);
    total += hits;
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([fn, hits]) => ({ fn, pct: (100 * hits) / total }));
}

/** Whether a competitor can run here: null, or why not. */
function unavailable(c) {
  if (c.python) {
    const py = python(c.python.interpreter);
    if (!py.asyncio) return py.why;
    if (c.python.impl === 'uvloop' && !py.uvloop) return py.why;
    return c.available ? c.available(py) : null;
  }
  return c.available ? c.available() : null;
}

/**
 * Measures one workload: every available competitor once as a warm-up at a quarter of its size
 * (JavaScript ones only: Python has no JIT to warm; none for a workload with `warmup: false`,
 * whose time is mostly waiting), then `runs` rounds, each running every competitor once in the same
 * order (A B C A B C …), so that drift in the machine's speed hits all of them alike.
 */
export async function measure(w, { quick, runs, log, cpuProf = null }) {
  const nOf = (c) => {
    const size = c.size ?? w.size;
    return quick ? size.quick : size.full;
  };
  const entries = w.competitors.map((c) => ({ c, n: nOf(c), skip: unavailable(c), values: [], extras: [], error: null }));
  const runOne = async (e, n) => {
    globalThis.gc?.();
    const r = e.c.python ? runPython(e.c.python.script, e.c.python.impl, n, e.c.python.args?.(n) ?? [], e.c.python.interpreter) : await e.c.run(n);
    if (typeof r.value !== 'number' || !Number.isFinite(r.value)) throw new Error(`no value measured (${JSON.stringify(r)})`);
    return r;
  };
  const live = () => entries.filter((e) => e.skip === null && e.error === null);
  for (const e of live()) {
    if (e.c.python || w.warmup === false) continue;
    try {
      await runOne(e, Math.max(1, Math.floor(e.n / 4)));
    } catch (err) {
      e.error = err.message;
    }
  }
  for (let r = 0; r < runs; r++) {
    for (const e of live()) {
      try {
        const { value, ...extra } = await runOne(e, e.n);
        e.values.push(value);
        e.extras.push(extra);
      } catch (err) {
        e.error = err.message;
      }
    }
    log?.(`  ${w.id} round ${r + 1}/${runs}`);
  }
  // --cpu-prof: one more run of each WASM/JS competitor under V8's sampling profiler, after the
  // measured rounds (so the figures above are not taken with the profiler on)
  if (cpuProf) {
    for (const e of live()) {
      if (e.c.python || !['wasm', 'js'].includes(e.c.kind)) continue;
      try {
        const file = await profileRun(cpuProf, `${w.id}-${e.c.name}`, () => runOne(e, e.n));
        log?.(`  ${w.id} ${e.c.name}: wrote ${file}`);
      } catch (err) {
        log?.(`  ${w.id} ${e.c.name}: profile failed: ${err.message}`);
      }
    }
  }
  const ref = entries.find((e) => e.c.name === w.reference && e.values.length > 0);
  const refMedian = ref ? stats(ref.values).median : null;
  return entries.map((e) => {
    const out = { name: e.c.name, label: e.c.label, kind: e.c.kind, n: e.n };
    if (e.skip !== null) return { ...out, skipped: e.skip };
    if (e.error !== null && e.values.length === 0) return { ...out, error: e.error };
    const s = stats(e.values);
    const extras = {};
    for (const key of Object.keys(e.extras[0] ?? {})) {
      const vals = e.extras.map((x) => x[key]);
      extras[key] = vals.every((v) => typeof v === 'number') ? stats(vals).median : vals.every((v) => v === vals[0]) ? vals[0] : vals;
    }
    return { ...out, runs: e.values, ...s, ratio: refMedian ? s.median / refMedian : null, extras, ...(e.error ? { error: e.error } : {}) };
  });
}
