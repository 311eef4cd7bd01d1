/**
 * Loopback servers for the web checks, over node:http and the `ws` package (so they run in Node,
 * Deno and Bun): a WebSocket echo server and a small HTTP server. Checks learn the server's state
 * over HTTP (`/aborted`), so the same checks can run in a browser page against these servers.
 *
 * WebSocket: every message is echoed with its type; the text 'close-me' closes cleanly with code
 * 4000 'bye'; 'drop-me' (text or binary) drops the TCP connection (abnormal closure, 1006).
 * HTTP: /text → 'hello web'; /json → {"ok":true}; /slow → never answers (until the client aborts);
 * /aborted → how many /slow requests the client aborted so far.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface TestServers {
  wsUrl: string;
  httpUrl: string;
  /** A loopback port that was free a moment ago (nothing listens there). */
  closedPort: number;
  close(): Promise<void>;
}

export async function startTestServers(): Promise<TestServers> {
  let aborted = 0;
  const server = http.createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.url === '/text') return void res.end('hello web');
    if (req.url === '/json') return void res.setHeader('content-type', 'application/json').end('{"ok":true}');
    if (req.url === '/aborted') return void res.end(String(aborted));
    if (req.url === '/slow') {
      res.on('close', () => {
        if (!res.writableFinished) aborted++;
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial '); // headers and a little body, then nothing more
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => {
      const text = data.toString(); // a command works as a text or a binary message
      if (text === 'close-me') return ws.close(4000, 'bye');
      if (text === 'drop-me') return ws.terminate();
      ws.send(isBinary ? data : text, { binary: isBinary });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const spare = http.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const closedPort = (spare.address() as AddressInfo).port;
  await new Promise((resolve) => spare.close(resolve));
  return {
    closedPort,
    wsUrl: `ws://127.0.0.1:${port}/`,
    httpUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
