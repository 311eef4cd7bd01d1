import asyncio

loop = asyncio.get_event_loop()
start = loop.time()


def print_now(name: str = "") -> None:
    prefix = f"{name} " if name else ""
    print(f"{prefix}print_now at {loop.time() - start:.3f}")


def trampoline(name: str = "") -> None:
    print_now(name)
    loop.call_later(0.5, trampoline, name)


loop.call_soon(trampoline)
loop.call_later(8, loop.stop)
loop.run_forever()
