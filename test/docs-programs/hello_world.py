# docs.python.org/3/library/asyncio.html — "Hello World!"
import asyncio

async def main():
    print('Hello ...')
    await asyncio.sleep(1)
    print('... World!')

asyncio.run(main())
