// An echo server and a client written with streams (README, "Host I/O"). Run: node examples/echo.mjs
import { run } from 'wasmloop';
import { openConnection, startServer } from 'wasmloop/node';

const encode = (s) => new TextEncoder().encode(s);
const decode = (b) => new TextDecoder().decode(b);

async function handleClient(reader, writer) {
  const [host, port] = writer.getExtraInfo('peername');
  for await (const line of reader) {         // one line at a time, until the client's EOF
    writer.write(encode(`echo: ${decode(line)}`));
    await writer.drain();                    // waits while the write buffer is above its high-water mark
  }
  console.log(`server: ${host}:${port} finished`);
  writer.close();
  await writer.waitClosed();
}

async function main() {
  const server = await startServer(handleClient, '127.0.0.1', 8888);
  console.log('server: serving on', server.sockets[0].getsockname());

  const [reader, writer] = await openConnection('127.0.0.1', 8888);
  for (const text of ['hello', 'wasmloop']) {
    writer.write(encode(`${text}\n`));
    console.log('client:', decode(await reader.readline()).trim());
  }
  writer.writeEof();                         // half-close: the server's loop ends
  await reader.read();                       // EOF once the server closes
  writer.close();
  await writer.waitClosed();

  server.close();
  await server.waitClosed();
}

await run(main);
