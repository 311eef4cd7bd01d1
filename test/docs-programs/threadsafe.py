# docs.python.org/3/library/asyncio-dev.html and asyncio-task.html — run_coroutine_threadsafe, call_soon_threadsafe
import asyncio
import threading

async def add(a, b):
    await asyncio.sleep(1)
    return a + b

def in_thread(loop, done):
    future = asyncio.run_coroutine_threadsafe(add(1, 2), loop)
    result = future.result(timeout=10)
    asyncio.run_coroutine_threadsafe(say(f'the thread got {result}'), loop).result(timeout=10)
    loop.call_soon_threadsafe(print, 'called soon from the thread')
    loop.call_soon_threadsafe(done.set)

async def say(text):
    print(text)

async def main():
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    threading.Thread(target=in_thread, args=(loop, done)).start()
    await done.wait()
    print('main is done')

asyncio.run(main())
