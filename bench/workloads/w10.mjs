// W10 — pyperformance's async_tree (../async-tree.mjs, ../python/w10.py): a tree 6 levels deep and
// 6 wide of tasks gathering their children (55,987 tasks), leaves doing nothing (none), sleeping
// 50 ms (io), sleeping unless memoized (memoization), or half of them computing factorial(500)
// (cpu_io_mixed); lazy tasks and eager ones (the eager task factory). Unit: ms per tree.
// wasmloop runs it with generator tasks (the WASM/JS columns) and async-function tasks (wasm-async,
// js-async); asyncio and uvloop run pyperformance's classes. Every run checks its counts (leaves,
// sleeps, memo hits, factorials) and the row records them; they equal asyncio's for the same seed.
import { runTree, taskCount, VARIANTS } from '../async-tree.mjs';
import { info, ratioGoal } from '../lib/goals.mjs';
import { PYTHON } from '../lib/harness.mjs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const ID = { none: '', io: 'io', memoization: 'm', cpu_io_mixed: 'c' };
// eager tasks need asyncio.eager_task_factory (3.12+); Debian's python3 (with python3-uvloop) may be
// older: BENCH_PYTHON_EAGER names another interpreter for the eager rows (uvloop there if it has it)
const EAGER_PYTHON = process.env.BENCH_PYTHON_EAGER || PYTHON;
const EAGER_PY = (py) =>
  /^3\.(1[2-9]|[2-9]\d)\./.test(py.asyncio ?? '') ? null : `asyncio.eager_task_factory needs Python 3.12+ (${EAGER_PYTHON} is ${py.asyncio}; BENCH_PYTHON_EAGER=/path/to/python3.12 runs these)`;

function make(variant, eager) {
  const mode = eager ? 'eager' : 'lazy';
  const jsRun = (core, style) => (levels) => runTree(wl, { core, variant, levels, style, eager });
  const py = (impl) => ({
    name: impl,
    label: `Python ${impl}${eager ? ', eager_task_factory' : ''}`,
    kind: impl,
    python: { script: 'w10.py', impl, args: () => [variant, mode], ...(eager ? { interpreter: EAGER_PYTHON } : {}) },
    ...(eager ? { available: EAGER_PY } : {}),
  });
  const vsUv = (r, c) => r.uvloop.median / r[c].median;
  // cpu_io_mixed mostly measures factorial(500) (BigInt here, C's math.factorial there): reported, not judged
  const judged = variant !== 'cpu_io_mixed';
  const g = judged ? ratioGoal : (text, _op, _t, of, cores) => info(`${text} (not judged: mostly factorial(500))`, of, cores);
  return {
    id: `W10${eager ? 'e' : ''}${ID[variant]}`,
    title: `async_tree ${variant}, ${mode} tasks`,
    unit: 'ms/tree',
    size: { full: 6, quick: 4 }, // levels: 6 is pyperformance's (55,987 tasks), 4 is 1,555
    reference: 'wasm',
    chart: { value: (r) => (r.median * 1e6) / taskCount(r.n), label: 'ns per task' },
    goals: [
      g('generator tasks ≥ 3 × faster than uvloop', '>=', 3, vsUv),
      g('async-function tasks ahead of uvloop', '>=', 1, (r, c) => r.uvloop.median / r[`${c}-async`].median),
    ],
    competitors: [
      ...CORES.map((c) => ({ ...c, label: `${c.label}, generator tasks`, kind: c.name, run: jsRun(c.name, 'generator') })),
      ...CORES.map((c) => ({ name: `${c.name}-async`, label: `${c.label}, async-function tasks`, kind: c.name, run: jsRun(c.name, 'async') })),
      py('asyncio'),
      py('uvloop'),
    ],
  };
}

export default [false, true].flatMap((eager) => VARIANTS.map((v) => make(v, eager)));
