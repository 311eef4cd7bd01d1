# docs.python.org/3/library/asyncio.html — "Hello World!"
import asyncio
SCALE = 0.1  # seconds per unit of time (wasmloop's side runs on a virtual clock, one unit = 1 s)

async def main():
    print('Hello ...')
    await asyncio.sleep(1 * SCALE)
    print('... World!')

asyncio.run(main())
