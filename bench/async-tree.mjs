// W10: pyperformance's async_tree (bm_async_tree/run_benchmark.py), ported to wasmloop. A tree
// NUM_RECURSE_LEVELS deep, NUM_RECURSE_BRANCHES wide, each inner node gathering its children as
// tasks; the leaves do the variant's work:
//   none          nothing
//   io            sleep(0.05) (asyncio.sleep(IO_SLEEP_TIME))
//   memoization   randint(1, 100); ≤ 90 and already cached: return; else cache it (≤ 90) and sleep
//   cpu_io_mixed  random() < 0.5: factorial(500) (a BigInt product here, C's math.factorial there);
//                 else the memoization leaf
// `eager` sets the loop's task factory to eagerTaskFactory (asyncio.eager_task_factory, 3.12+), as
// pyperformance's EagerMixin does inside run(). Two styles of task: generator functions
// (`yield* gather(...)` over generator objects: asyncio's coroutine objects) and async functions
// (`await gather(...)` over the functions themselves, so that each child starts in its task's first
// step as a coroutine does, not when called). Python's random (Mersenne Twister, seed 0) drives
// the same choices in the same order, so the counts equal asyncio's; a fresh tree (fresh cache,
// re-seeded) per run (pyperformance reuses one instance across its loops, so its later loops find
// the cache full).
import { PyRandom } from './lib/pyrandom.mjs';

export const NUM_RECURSE_BRANCHES = 6;
export const IO_SLEEP_TIME = 0.05;
export const MEMOIZABLE_PERCENTAGE = 90;
export const CPU_PROBABILITY = 0.5;
export const FACTORIAL_N = 500;
export const VARIANTS = ['none', 'io', 'memoization', 'cpu_io_mixed'];

/** Tasks in a tree of `levels` (pyperformance: 6 → 55,987). */
export const taskCount = (levels) => (NUM_RECURSE_BRANCHES ** (levels + 1) - 1) / (NUM_RECURSE_BRANCHES - 1);

/**
 * n! as a BigInt (math.factorial's result): the factors multiplied in Numbers while exact (below
 * 2^53), then those partial products multiplied pairwise (binary splitting, as CPython's
 * math.factorial splits its product), so few BigInt products are of unequal size.
 */
export function factorial(n) {
  const parts = [];
  let acc = 1;
  for (let i = 2; i <= n; i++) {
    if (acc * i > Number.MAX_SAFE_INTEGER) {
      parts.push(BigInt(acc));
      acc = 1;
    }
    acc *= i;
  }
  parts.push(BigInt(acc));
  const product = (lo, hi) => (hi - lo === 1 ? parts[lo] : product(lo, (lo + hi) >> 1) * product((lo + hi) >> 1, hi));
  return product(0, parts.length);
}

/** One tree: `run()` is a generator (style 'generator') or an async function ('async'). */
export function makeTree(wl, variant, levels, style) {
  if (!VARIANTS.includes(variant)) throw new RangeError(`async_tree: unknown variant ${variant}`);
  const rnd = new PyRandom(0);
  const cache = new Map();
  const counts = { leaves: 0, io: 0, memoHits: 0, factorials: 0 };
  const { gather, sleep } = wl;
  /** MemoizationAsyncTree's test: a memoizable value seen before returns at once (else it is cached). */
  const memoized = (data) => {
    if (data > MEMOIZABLE_PERCENTAGE) return false;
    if (cache.get(data)) {
      counts.memoHits++;
      return true;
    }
    cache.set(data, true);
    return false;
  };
  const cpuBound = () => {
    if (rnd.random() >= CPU_PROBABILITY) return false;
    counts.factorials++;
    return true;
  };
  if (style === 'generator') {
    const mockIo = function* () {
      counts.io++;
      yield* sleep(IO_SLEEP_TIME);
    };
    const memo = function* () {
      const data = rnd.randint(1, 100);
      if (memoized(data)) return data;
      yield* mockIo();
      return data;
    };
    const workload =
      variant === 'none'
        ? function* () {}
        : variant === 'io'
          ? mockIo
          : variant === 'memoization'
            ? memo
            : function* () {
                return cpuBound() ? factorial(FACTORIAL_N) : yield* memo();
              };
    const recurse = function* (level) {
      if (level === 0) {
        counts.leaves++;
        yield* workload();
        return;
      }
      const children = [];
      for (let i = 0; i < NUM_RECURSE_BRANCHES; i++) children.push(recurse(level - 1));
      yield* gather(...children);
    };
    return { run: () => recurse(levels), counts };
  }
  if (style !== 'async') throw new RangeError(`async_tree: unknown style ${style}`);
  const mockIo = async () => {
    counts.io++;
    await sleep(IO_SLEEP_TIME);
  };
  const memo = async () => {
    const data = rnd.randint(1, 100);
    if (memoized(data)) return data;
    await mockIo();
    return data;
  };
  const workload =
    variant === 'none'
      ? async () => {}
      : variant === 'io'
        ? mockIo
        : variant === 'memoization'
          ? memo
          : async () => (cpuBound() ? factorial(FACTORIAL_N) : memo());
  const recurse = async (level) => {
    if (level === 0) {
      counts.leaves++;
      await workload();
      return;
    }
    const children = [];
    for (let i = 0; i < NUM_RECURSE_BRANCHES; i++) children.push(() => recurse(level - 1));
    await gather(...children);
  };
  return { run: () => () => recurse(levels), counts };
}

/** One timed run on a new loop of `core` (`clock`: 'monotonic', or 'virtual' for tests): { value: ms per tree, ...counts }. */
export async function runTree(wl, { core, variant, levels, style, eager, clock = 'monotonic' }) {
  const loop = wl.newEventLoop({ core, clock });
  const tree = makeTree(wl, variant, levels, style);
  if (eager) loop.setTaskFactory(wl.eagerTaskFactory);
  const t0 = performance.now();
  await loop.runUntilComplete(loop.createTask(tree.run()));
  const value = performance.now() - t0;
  loop.close();
  if (tree.counts.leaves !== NUM_RECURSE_BRANCHES ** levels) throw new Error(`${tree.counts.leaves} of ${NUM_RECURSE_BRANCHES ** levels} leaves ran`);
  return { value, ...tree.counts };
}
