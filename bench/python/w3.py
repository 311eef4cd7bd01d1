"""W3: n call_later timers, delays uniform in [0, 0.5) s (the shared generator), real clock.
Extra argument `cancel`: every other timer is cancelled right after scheduling.
value: wall seconds to the last fire; cpu: process CPU seconds; inversions: fires out of deadline order."""
import time

from common import args, emit, new_loop, uniform

impl, n, extra = args()
cancel_half = extra[:1] == ["cancel"]
delays = uniform(n, 0.5)
whens = [0.0] * n
expected = n - n // 2 if cancel_half else n
state = {"fired": 0, "inversions": 0, "last": float("-inf"), "last_fire": 0.0}
loop = new_loop(impl)
# libuv keeps timers in whole milliseconds (delays rounded, base time cached per iteration):
# under uvloop, order is checked to 1 ms, its resolution
res = 1e-3 if impl == "uvloop" else loop._clock_resolution


def fire(i):
    if cancel_half and i % 2 == 1:
        raise AssertionError(f"timer {i} should not fire")
    w = whens[i]
    if w < state["last"] - res:
        state["inversions"] += 1
    if w > state["last"]:
        state["last"] = w
    state["fired"] += 1
    if state["fired"] == expected:
        state["last_fire"] = time.perf_counter()
        loop.stop()


cpu0 = time.process_time()
t0 = time.perf_counter()
handles = []
for i in range(n):
    now = loop.time()
    h = loop.call_later(delays[i], fire, i)
    # uvloop hands back a plain Handle (no when()) for a delay under 1 ms
    whens[i] = h.when() if hasattr(h, "when") else now + delays[i]
    if cancel_half:
        handles.append(h)
if cancel_half:
    for i in range(1, n, 2):
        handles[i].cancel()
loop.run_forever()
cpu = time.process_time() - cpu0
loop.close()
assert state["fired"] == expected, (state["fired"], expected)
emit(value=state["last_fire"] - t0, cpu=cpu, inversions=state["inversions"])
