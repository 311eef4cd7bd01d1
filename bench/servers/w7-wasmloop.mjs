#!/usr/bin/env node
// W7 echo server on wasmloop: `--mode protocol|streams --core wasm|js`. Listens on 127.0.0.1:0,
// prints {"port": N} on stdout, serves until killed.
import { newEventLoop } from '../../dist/index.js';
import { ConnectionError, startServer } from '../../dist/node.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const mode = arg('mode', 'protocol');
const core = arg('core', 'wasm');

class Echo {
  connectionMade(transport) {
    this.transport = transport;
  }
  dataReceived(data) {
    this.transport.write(data);
  }
}

async function echo(reader, writer) {
  try {
    for (;;) {
      const data = await reader.read(65536);
      if (data.length === 0) break;
      writer.write(data);
      await writer.drain();
    }
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
  }
  writer.close();
}

const loop = newEventLoop({ core });
const server = await loop.runUntilComplete(
  loop.createTask(() => (mode === 'streams' ? startServer(echo, '127.0.0.1', 0) : loop.createServer(() => new Echo(), '127.0.0.1', 0))),
);
process.stdout.write(`${JSON.stringify({ port: server.sockets[0].getsockname()[1] })}\n`);
await loop.runForever();
