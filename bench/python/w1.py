"""W1: a callback reschedules itself with call_soon until it has run n times (ns per callback)."""
import time

from common import args, emit, new_loop

impl, n, _ = args()
loop = new_loop(impl)
left = n


def tramp():
    global left
    left -= 1
    if left > 0:
        loop.call_soon(tramp)
    else:
        loop.stop()


loop.call_soon(tramp)
t0 = time.perf_counter()
loop.run_forever()
dt = time.perf_counter() - t0
loop.close()
assert left == 0
emit(value=dt * 1e9 / n)
