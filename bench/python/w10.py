"""W10: pyperformance's async_tree (bm_async_tree/run_benchmark.py), without pyperf.

python3 w10.py <asyncio|uvloop> <levels> <none|io|memoization|cpu_io_mixed> <lazy|eager>
prints {"value": ms per tree, "leaves", "io", "memoHits", "factorials"}. The classes are
pyperformance's, with counters added; NUM_RECURSE_LEVELS is the command line's (6 in
pyperformance). One fresh tree per run (pyperformance reuses one across its loops). "eager" needs
asyncio.eager_task_factory (Python 3.12+): without it this exits with an error rather than run lazy
tasks under the eager name, as pyperformance's EagerMixin silently would.
"""
import asyncio
import math
import random
import time

from common import args, emit, new_loop

NUM_RECURSE_BRANCHES = 6
RANDOM_SEED = 0
IO_SLEEP_TIME = 0.05
MEMOIZABLE_PERCENTAGE = 90
CPU_PROBABILITY = 0.5
FACTORIAL_N = 500

impl, NUM_RECURSE_LEVELS, (variant, mode) = args()


class AsyncTree:
    def __init__(self):
        self.cache = {}
        self.counts = {"leaves": 0, "io": 0, "memoHits": 0, "factorials": 0}
        # set to deterministic random, so that the results are reproducible
        random.seed(RANDOM_SEED)

    async def mock_io_call(self):
        self.counts["io"] += 1
        await asyncio.sleep(IO_SLEEP_TIME)

    async def workload_func(self):
        raise NotImplementedError

    async def recurse_with_gather(self, recurse_level):
        if recurse_level == 0:
            self.counts["leaves"] += 1
            await self.workload_func()
            return

        await asyncio.gather(
            *[self.recurse_with_gather(recurse_level - 1)
              for _ in range(NUM_RECURSE_BRANCHES)]
        )

    async def run(self):
        await self.recurse_with_gather(NUM_RECURSE_LEVELS)


class EagerMixin:
    async def run(self):
        loop = asyncio.get_running_loop()
        loop.set_task_factory(asyncio.eager_task_factory)
        return await super().run()


class NoneAsyncTree(AsyncTree):
    async def workload_func(self):
        return


class IOAsyncTree(AsyncTree):
    async def workload_func(self):
        await self.mock_io_call()


class MemoizationAsyncTree(AsyncTree):
    async def workload_func(self):
        data = random.randint(1, 100)

        if data <= MEMOIZABLE_PERCENTAGE:
            if self.cache.get(data):
                self.counts["memoHits"] += 1
                return data

            self.cache[data] = True

        await self.mock_io_call()
        return data


class CpuIoMixedAsyncTree(MemoizationAsyncTree):
    async def workload_func(self):
        if random.random() < CPU_PROBABILITY:
            self.counts["factorials"] += 1
            return math.factorial(FACTORIAL_N)
        else:
            return await MemoizationAsyncTree.workload_func(self)


BENCHMARKS = {
    "none": NoneAsyncTree,
    "io": IOAsyncTree,
    "memoization": MemoizationAsyncTree,
    "cpu_io_mixed": CpuIoMixedAsyncTree,
}

cls = BENCHMARKS[variant]
if mode == "eager":
    if not hasattr(asyncio, "eager_task_factory"):
        raise SystemExit("eager tasks need asyncio.eager_task_factory (Python 3.12+)")
    cls = type("Eager" + cls.__name__, (EagerMixin, cls), {})
elif mode != "lazy":
    raise SystemExit(f"unknown mode {mode!r}")

tree = cls()
loop = new_loop(impl)
t0 = time.perf_counter()
loop.run_until_complete(tree.run())
dt = time.perf_counter() - t0
loop.close()
assert tree.counts["leaves"] == NUM_RECURSE_BRANCHES ** NUM_RECURSE_LEVELS
emit(value=dt * 1e3, **tree.counts)
