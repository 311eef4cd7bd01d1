# docs.python.org/3/library/asyncio-task.html — Task Groups
import asyncio

async def some_coro(x):
    await asyncio.sleep(1)
    return x * 2

async def another_coro(x):
    await asyncio.sleep(2)
    return x + 1

async def failing(delay):
    await asyncio.sleep(delay)
    raise ValueError(f'failed after {delay}')

async def main():
    async with asyncio.TaskGroup() as tg:
        task1 = tg.create_task(some_coro(21))
        task2 = tg.create_task(another_coro(41))
    print(f"Both tasks have completed now: {task1.result()}, {task2.result()}")

    sibling = None
    try:
        async with asyncio.TaskGroup() as tg:
            sibling = tg.create_task(another_coro(5))
            tg.create_task(failing(1))
    except* ValueError as eg:
        print(f'caught {[str(e) for e in eg.exceptions]}')
    print(f'sibling cancelled: {sibling.cancelled()}')

asyncio.run(main())
