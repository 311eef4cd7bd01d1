# docs.python.org/3/library/asyncio-task.html — Coroutines: say_after, sequential, create_task, TaskGroup
import asyncio

def units(loop, t0):
    return round(loop.time() - t0)

async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)

async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    print('started at 0')
    await say_after(1, 'hello')
    await say_after(2, 'world')
    print(f'finished at {units(loop, t0)}')

    t0 = loop.time()
    task1 = asyncio.create_task(say_after(1, 'hello'))
    task2 = asyncio.create_task(say_after(2, 'world'))
    print('started at 0')
    await task1
    await task2
    print(f'finished at {units(loop, t0)}')

    t0 = loop.time()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(say_after(1, 'hello'))
        tg.create_task(say_after(2, 'world'))
        print('started at 0')
    print(f'finished at {units(loop, t0)}')

asyncio.run(main())
