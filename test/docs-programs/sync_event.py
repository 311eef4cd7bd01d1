# docs.python.org/3/library/asyncio-sync.html — Event
import asyncio
SCALE = 0.1

async def waiter(event):
    print('waiting for it ...')
    await event.wait()
    print('... got it!')

async def main():
    event = asyncio.Event()
    waiter_task = asyncio.create_task(waiter(event))
    await asyncio.sleep(1 * SCALE)
    event.set()
    await waiter_task

asyncio.run(main())
