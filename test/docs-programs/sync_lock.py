# docs.python.org/3/library/asyncio-sync.html — Lock: `async with lock` around a shared resource
import asyncio

async def use(lock, name, shared):
    print(f'{name} wants the lock')
    async with lock:
        print(f'{name} holds the lock')
        value = shared['n']
        await asyncio.sleep(1)
        shared['n'] = value + 1
    print(f'{name} released it')

async def main():
    lock = asyncio.Lock()
    shared = {'n': 0}
    await asyncio.gather(*(use(lock, f'task-{i}', shared) for i in range(3)))
    print(f'counter = {shared["n"]}, locked = {lock.locked()}')

asyncio.run(main())
