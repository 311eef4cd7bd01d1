# docs.python.org/3/library/asyncio-eventloop.html — Executing code in thread or process pools
import asyncio

def blocking_io():
    with open('/dev/urandom', 'rb') as f:
        return f.read(100)

def cpu_bound():
    return sum(i * i for i in range(10 ** 5))

async def main():
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, blocking_io)
    print('default thread pool', len(result), 'bytes')
    result = await loop.run_in_executor(None, cpu_bound)
    print('custom pool', result)

asyncio.run(main())
