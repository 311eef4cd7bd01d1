"""W6: two tasks pass a value through two asyncio.Queue(1), n round trips (ns per round trip)."""
import asyncio
import time

from common import args, emit, new_loop

impl, n, _ = args()


async def main():
    a, b = asyncio.Queue(1), asyncio.Queue(1)

    async def echo():
        for _ in range(n):
            await b.put(await a.get())

    t = asyncio.ensure_future(echo())
    got = 0
    t0 = time.perf_counter()
    for i in range(n):
        await a.put(i)
        got += (await b.get()) == i
    dt = time.perf_counter() - t0
    await t
    assert got == n
    return dt


loop = new_loop(impl)
dt = loop.run_until_complete(main())
loop.close()
emit(value=dt * 1e9 / n)
