"""W4: asyncio's timer heap alone — heapq over TimerHandle objects, as BaseEventLoop.call_at and
_run_once use it: push n random deadlines, pop them all (ns per element). uvloop: not applicable."""
import asyncio
import heapq
import time

from common import args, emit, uniform

impl, n, _ = args()
if impl != "asyncio":
    raise SystemExit("W4 measures asyncio's heap only")
keys = uniform(n, 1000)
loop = asyncio.new_event_loop()
cb = lambda: None  # noqa: E731
heap = []
t0 = time.perf_counter()
for k in keys:
    heapq.heappush(heap, asyncio.TimerHandle(k, cb, (), loop))
out = [heapq.heappop(heap) for _ in range(n)]
dt = time.perf_counter() - t0
assert all(out[i - 1].when() <= out[i].when() for i in range(1, n))
loop.close()
emit(value=dt * 1e9 / n)
