"""W2: schedule n call_soon callbacks, then run until all ran (ns per callback, schedule + run)."""
import time

from common import args, emit, new_loop

impl, n, _ = args()
loop = new_loop(impl)
ran = 0


def cb():
    global ran
    ran += 1
    if ran == n:
        loop.stop()


t0 = time.perf_counter()
for _ in range(n):
    loop.call_soon(cb)
loop.run_forever()
dt = time.perf_counter() - t0
loop.close()
assert ran == n
emit(value=dt * 1e9 / n)
