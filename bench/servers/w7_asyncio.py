"""W7 echo server on asyncio or uvloop: `--loop asyncio|uvloop --mode protocol|streams`.
Listens on 127.0.0.1:0, prints {"port": N}, serves until killed."""
import argparse
import asyncio
import json
import sys


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


async def main(mode):
    loop = asyncio.get_running_loop()
    if mode == 'streams':
        server = await asyncio.start_server(echo, '127.0.0.1', 0)
    else:
        server = await loop.create_server(Echo, '127.0.0.1', 0)
    sys.stdout.write(json.dumps({'port': server.sockets[0].getsockname()[1]}) + '\n')
    sys.stdout.flush()
    await server.serve_forever()


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--loop', default='asyncio')
    p.add_argument('--mode', default='protocol')
    a = p.parse_args()
    if a.loop == 'uvloop':
        import uvloop
        uvloop.install()
    asyncio.run(main(a.mode))
