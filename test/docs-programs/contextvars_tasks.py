# docs.python.org/3/library/contextvars.html — asyncio support: each task runs in a copy of the context
import asyncio
import contextvars

request_id = contextvars.ContextVar('request_id', default='-')

async def handle(n):
    request_id.set(f'req-{n}')
    await asyncio.sleep(n)
    print(f'handler {n} sees {request_id.get()}')
    return request_id.get()

async def main():
    request_id.set('main')
    results = await asyncio.gather(handle(2), handle(1))
    print(f'results {results}')
    print(f'main sees {request_id.get()}')
    ctx = contextvars.copy_context()
    ctx.run(request_id.set, 'in-copy')
    print(f'copy sees {ctx[request_id]}, main still sees {request_id.get()}')

asyncio.run(main())
