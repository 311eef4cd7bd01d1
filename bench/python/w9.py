"""W9: readline() with 512 KiB buffered, fed n one-byte chunks one per callback (ns per chunk)."""
import asyncio
import time

from common import args, emit, new_loop

impl, n, rest = args()
pre = int(rest[0]) if rest else 512 * 1024


async def main():
    loop = asyncio.get_running_loop()
    r = asyncio.StreamReader(limit=4 * pre)
    r.feed_data(b"x" * pre)
    i = 0

    def feed():
        nonlocal i
        if i < n:
            i += 1
            r.feed_data(b"x")
            loop.call_soon(feed)
        else:
            r.feed_data(b"\n")

    t0 = time.perf_counter()
    loop.call_soon(feed)
    line = await r.readline()
    dt = time.perf_counter() - t0
    assert len(line) == pre + n + 1
    return dt


loop = new_loop(impl)
dt = loop.run_until_complete(main())
loop.close()
emit(value=dt * 1e9 / n)
