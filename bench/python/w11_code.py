"""W11: a trampoline and a fan-out written as asyncio coroutines, the same source on CPython
(w11.py: asyncio, uvloop) and inside Pyodide (bench/workloads/w11.mjs: Pyodide's WebLoop, and
wasmloop's loop through installPyodideLoop). Each returns ns per callback, timed in Python."""
import asyncio
import time


async def trampoline(n):
    """One callback reschedules itself with call_soon until it has run n times."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    left = n

    def tramp():
        nonlocal left
        left -= 1
        if left > 0:
            loop.call_soon(tramp)
        else:
            done.set_result(None)

    t0 = time.perf_counter()
    loop.call_soon(tramp)
    await done
    dt = time.perf_counter() - t0
    assert left == 0, left
    return dt * 1e9 / n


async def fanout(n):
    """n call_soon callbacks scheduled at once, then run until all ran."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    ran = 0

    def cb():
        nonlocal ran
        ran += 1
        if ran == n:
            done.set_result(None)

    t0 = time.perf_counter()
    for _ in range(n):
        loop.call_soon(cb)
    await done
    dt = time.perf_counter() - t0
    assert ran == n, ran
    return dt * 1e9 / n
