import asyncio

loop = asyncio.get_event_loop()
start = loop.time()


def print_now(name: str = "") -> None:
    prefix = f"{name} " if name else ""
    print(f"{prefix}print_now at {loop.time() - start:.3f}")


loop.call_soon(print_now)
loop.call_soon(print_now)
loop.run_until_complete(asyncio.sleep(3))
