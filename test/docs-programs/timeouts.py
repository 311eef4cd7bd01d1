# docs.python.org/3/library/asyncio-task.html — Timeouts: asyncio.timeout and wait_for
import asyncio

async def long_running_task():
    await asyncio.sleep(3600)

async def eternity():
    await asyncio.sleep(3600)
    print('yay!')

async def main():
    try:
        async with asyncio.timeout(1):
            await long_running_task()
    except TimeoutError:
        print("The long operation timed out, but we've handled it.")
    print("This statement will run regardless.")

    try:
        await asyncio.wait_for(eternity(), timeout=1)
    except TimeoutError:
        print('timeout!')

    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(None) as cm:
            cm.reschedule(loop.time() + 2)
            await long_running_task()
    except TimeoutError:
        print(f'rescheduled timeout expired: {cm.expired()}')

asyncio.run(main())
