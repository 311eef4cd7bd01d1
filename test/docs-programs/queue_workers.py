# docs.python.org/3/library/asyncio-queue.html — workers over a Queue (random durations made deterministic)
import asyncio

async def worker(name, queue):
    while True:
        sleep_for = await queue.get()
        await asyncio.sleep(sleep_for)
        queue.task_done()
        print(f'{name} has slept for {sleep_for} units')

async def main():
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    total_sleep_time = 0
    for i in range(12):
        sleep_for = (i * 7) % 5 + 1
        total_sleep_time += sleep_for
        queue.put_nowait(sleep_for)
    tasks = []
    for i in range(3):
        task = asyncio.create_task(worker(f'worker-{i}', queue))
        tasks.append(task)
    started_at = loop.time()
    await queue.join()
    total_slept_for = round(loop.time() - started_at)
    for task in tasks:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    print('====')
    print(f'3 workers slept in parallel for {total_slept_for} units')
    print(f'total expected sleep time: {total_sleep_time} units')
    print(f'workers ended with: {[type(r).__name__ for r in results]}')

asyncio.run(main())
