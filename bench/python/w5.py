"""W5: schedule + cancel n timers (call_later(1000 s) then cancel) in batches of 1000, one batch per
loop iteration, never firing one. value: ns per pair; peakMB / growthMB as in workloads/w5.mjs."""
import os
import time

from common import args, emit, new_loop

BATCH = 1000
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


impl, n, _ = args()
batches = -(-n // BATCH)
every = max(1, batches // 200)
loop = new_loop(impl)
start = rss()
state = {"b": 0, "early": 0, "late": 0, "peak": start}
noop = lambda: None  # noqa: E731


def step():
    hs = [loop.call_later(1000, noop) for _ in range(BATCH)]
    for h in hs:
        h.cancel()
    b = state["b"]
    if b % every == 0:
        r = rss()
        state["peak"] = max(state["peak"], r)
        if b < batches / 4:
            state["early"] = max(state["early"], r)
        if b >= batches / 2:
            state["late"] = max(state["late"], r)
    state["b"] = b + 1
    if state["b"] < batches:
        loop.call_soon(step)
    else:
        loop.stop()


loop.call_soon(step)
t0 = time.perf_counter()
loop.run_forever()
dt = time.perf_counter() - t0
loop.close()
emit(value=dt * 1e9 / (batches * BATCH), peakMB=round((state["peak"] - start) / 2**20), growthMB=round((state["late"] - state["early"]) / 2**20))
