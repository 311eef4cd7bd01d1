# docs.python.org/3/library/asyncio-sync.html — Condition: consumers wait for a producer's notify
import asyncio

async def consumer(cond, name, items):
    async with cond:
        await cond.wait_for(lambda: items)
        print(f'{name} took {items.pop(0)}')

async def producer(cond, items):
    for i in range(3):
        await asyncio.sleep(1)
        async with cond:
            items.append(f'item-{i}')
            print(f'produced item-{i}')
            cond.notify()

async def main():
    cond = asyncio.Condition()
    items = []
    consumers = [asyncio.create_task(consumer(cond, f'consumer-{i}', items)) for i in range(3)]
    await producer(cond, items)
    await asyncio.gather(*consumers)
    print('all consumed' if not items else f'left: {items}')

asyncio.run(main())
