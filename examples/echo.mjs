// An echo server and a client written with streams (README, "Host I/O"). Run: node examples/echo.mjs
import { run } from 'wasmloop';
import { openConnection, startServer } from 'wasmloop/node';

const encode = (s) => new TextEncoder().encode(s);
const decode = (b) => new TextDecoder().decode(b);

export async function main({ port = 8888, log = console.log } = {}) {
  async function handleClient(reader, writer) {
    const [host, peerPort] = writer.getExtraInfo('peername');
    for await (const line of reader) {       // one line at a time, until the client's EOF
      writer.write(encode(`echo: ${decode(line)}`));
      await writer.drain();                  // waits while the write buffer is above its high-water mark
    }
    log(`server: ${host}:${peerPort} finished`);
    writer.close();
    await writer.waitClosed();
  }

  const server = await startServer(handleClient, '127.0.0.1', port);
  const [, boundPort] = server.sockets[0].getsockname();
  log(`server: serving on 127.0.0.1:${port || boundPort}`);

  const [reader, writer] = await openConnection('127.0.0.1', boundPort);
  for (const text of ['hello', 'wasmloop']) {
    writer.write(encode(`${text}\n`));
    log(`client: ${decode(await reader.readline()).trim()}`);
  }
  writer.writeEof();                         // half-close: the server's loop ends
  await reader.read();                       // EOF once the server closes
  writer.close();
  await writer.waitClosed();

  server.close();
  await server.waitClosed();
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) await run(() => main());
