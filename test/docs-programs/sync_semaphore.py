# docs.python.org/3/library/asyncio-sync.html — Semaphore: at most two at a time
import asyncio

async def job(sem, loop, t0, k):
    async with sem:
        print(f'job {k} starts at {round(loop.time() - t0)}')
        await asyncio.sleep(2)
    print(f'job {k} done')

async def main():
    loop = asyncio.get_running_loop()
    sem = asyncio.Semaphore(2)
    t0 = loop.time()
    await asyncio.gather(*(job(sem, loop, t0, k) for k in range(5)))
    print(f'finished at {round(loop.time() - t0)}')

asyncio.run(main())
