/**
 * Host I/O under stress, on loopback only, bounded in count and time: resets, half-closes,
 * backpressure, servers closed under live connections, refused connections, 1,000 concurrent
 * connections. Every error must reach a protocol or an awaiting task: no unhandled rejection.
 */
// proves: §7.1
import { afterAll, describe, expect, it } from 'vitest';
import type * as net from 'node:net';
import { ConnectionError, ConnectionRefusedError, Protocol, openConnection, startServer, type Server, type Transport } from '../bindings/node.js';
import { CORES } from './helpers.js';
import { onLoop, trackUnhandled } from './io-helpers.js';

const unhandled = trackUnhandled();
afterAll(() => expect(unhandled).toEqual([]));

const addr = (s: Server) => s.sockets[0]!.getsockname() as [string, number];
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/** A deterministic byte pattern and a checksum, so lost or reordered bytes show. */
function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
function sum(chunks: Uint8Array[]): [number, number] {
  let h = 0;
  let n = 0;
  for (const c of chunks)
    for (let i = 0; i < c.length; i++) {
      h = (Math.imul(h, 31) + c[i]!) | 0;
      n++;
    }
  return [n, h];
}

describe.each(CORES)('robustness (%s core)', (core) => {
  it('a peer that resets mid-write fails the writer’s drain with a ConnectionError, and the reader too', async () => {
    const got = await onLoop(core, async () => {
      let raw: net.Socket | null = null;
      const server = await startServer((_r, w) => {
        raw = w.getExtraInfo('socket') as net.Socket;
      }, '127.0.0.1', 0);
      const [reader, writer] = await openConnection(...addr(server));
      while (raw === null) await tick();
      const chunk = new Uint8Array(64 * 1024);
      let writes = 0;
      let reset = false;
      let error: unknown = null;
      try {
        for (; writes < 10_000; writes++) {
          writer.write(chunk);
          if (writes === 20 && !reset) {
            reset = true;
            (raw as net.Socket).resetAndDestroy();
          }
          await writer.drain();
        }
      } catch (e) {
        error = e;
      }
      const readErr = await reader.read().then(() => null, (e) => e);
      await writer.waitClosed().catch(() => undefined);
      server.close();
      await server.waitClosed();
      return { error, readErr, writes };
    });
    expect(got.error).toBeInstanceOf(ConnectionError);
    expect(got.readErr).toBeInstanceOf(ConnectionError);
    expect(got.writes).toBeLessThan(10_000);
  });

  it('a half-closed connection still carries the other direction to the end', async () => {
    const reply = pattern(1 << 20, 7);
    const got = await onLoop(core, async () => {
      const server = await startServer(async (reader, writer) => {
        const request = await reader.read(); // until the client's EOF
        writer.write(new Uint8Array([request.length & 255]));
        writer.write(reply);
        await writer.drain();
        writer.close();
      }, '127.0.0.1', 0);
      const [reader, writer] = await openConnection(...addr(server));
      writer.write(new Uint8Array(200));
      writer.writeEof();
      const back = await reader.read();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
      return [back[0], sum([back.subarray(1)])];
    });
    expect(got).toEqual([200, sum([reply])]);
  });

  it('a slow reader: the writer’s buffer stays bounded, drain waits, and every byte arrives in order', async () => {
    const CHUNK = 64 * 1024;
    const TOTAL = 96; // chunks: 6 MiB
    const got = await onLoop(core, async (loop) => {
      let maxBuffer = 0;
      let pauses = 0;
      let drainWaitedWhilePaused = false;
      let waiting = false;
      const sent: Uint8Array[] = [];
      const server = await startServer(async (_r, writer) => {
        const t = writer.transport as Transport;
        for (let i = 0; i < TOTAL; i++) {
          const c = pattern(CHUNK, i);
          sent.push(c);
          writer.write(c);
          maxBuffer = Math.max(maxBuffer, t.getWriteBufferSize());
          const d = writer.drain();
          if (!d.done()) pauses++;
          waiting = true;
          await d;
          waiting = false;
        }
        writer.close();
      }, '127.0.0.1', 0);
      const received: Uint8Array[] = [];
      let client!: Transport;
      const finished = loop.createFuture();
      [client] = await loop.createConnection(
        () => ({
          dataReceived: (d: Uint8Array) => void received.push(d),
          connectionLost: () => finished.setResult(undefined),
        }),
        ...addr(server),
      );
      client.pauseReading();
      // the kernel's buffers fill, then the server's writer pauses and its drain waits (a host may
      // let one drain through as the kernel's buffers grow, as Deno does: then it waits again)
      for (let i = 0; i < 400 && pauses === 0; i++) await tick(5);
      await tick(100);
      const sentBefore = sent.length;
      await tick(100);
      drainWaitedWhilePaused = pauses > 0 && waiting && sent.length === sentBefore && sentBefore < TOTAL;
      client.resumeReading();
      await finished;
      server.close();
      await server.waitClosed();
      return { maxBuffer, pauses, drainWaitedWhilePaused, got: sum(received), want: sum(sent) };
    });
    expect(got.pauses).toBeGreaterThan(0);
    expect(got.drainWaitedWhilePaused).toBe(true);
    expect(got.maxBuffer).toBeLessThanOrEqual(64 * 1024 + CHUNK);
    expect(got.got).toEqual(got.want);
  });

  it('nothing written is lost on a clean close, in either direction', async () => {
    const big = pattern(4 << 20, 3);
    const got = await onLoop(core, async () => {
      // server → client: the server writes and closes at once (close flushes first)
      const sender = await startServer(async (_reader, writer) => {
        writer.write(big);
        writer.close();
      }, '127.0.0.1', 0);
      const [reader] = await openConnection(...addr(sender));
      const back = await reader.read();
      // client → server: the client writes and closes at once
      let serverGot: [number, number] | null = null;
      const receiver = await startServer(async (reader, writer) => {
        serverGot = sum([await reader.read()]);
        writer.close(); // after the peer's EOF the transport stays half-open until this side closes
      }, '127.0.0.1', 0);
      const [, writer] = await openConnection(...addr(receiver));
      writer.write(big.subarray(0, 1 << 20));
      writer.close();
      await writer.waitClosed();
      while (serverGot === null) await tick();
      for (const s of [sender, receiver]) {
        s.close();
        await s.waitClosed();
      }
      return [sum([back]), serverGot];
    });
    expect(got).toEqual([sum([big]), sum([big.subarray(0, 1 << 20)])]);
  });

  it('a server closed with connections open: new connections are refused, old ones work until closeClients, then waitClosed ends', async () => {
    const got = await onLoop(core, async () => {
      const server = await startServer(async (reader, writer) => {
        for await (const line of reader) writer.write(line);
        writer.close();
      }, '127.0.0.1', 0);
      const [host, port] = addr(server);
      const [r1, w1] = await openConnection(host, port);
      server.close();
      let waited = false;
      const closed = server.waitClosed().then(() => void (waited = true));
      const refused = await openConnection(host, port).then(() => null, (e) => e);
      w1.write(new TextEncoder().encode('still here\n'));
      const echoed = new TextDecoder().decode(await r1.readline());
      await tick(20);
      const waitedBeforeClients = waited;
      server.closeClients();
      const eof = await r1.read();
      await closed;
      return [refused instanceof ConnectionRefusedError, echoed, waitedBeforeClients, eof.length, waited];
    });
    expect(got).toEqual([true, 'still here\n', false, 0, true]);
  });

  it('abortClients drops live connections at once and every protocol hears connectionLost', async () => {
    const got = await onLoop(core, async (loop) => {
      let lost = 0;
      const server = await loop.createServer(() => ({ connectionLost: () => void lost++ }), '127.0.0.1', 0);
      const clients = await Promise.all([1, 2, 3].map(() => openConnection(...addr(server))));
      while ((server as unknown as { _clients: Set<unknown> })._clients.size < 3) await tick();
      server.close();
      server.abortClients();
      await server.waitClosed();
      const eofs = await Promise.all(clients.map(([r]) => r.read().then((d) => d.length, (e) => e.name)));
      return [lost, eofs.every((x) => x === 0 || x === 'ConnectionResetError')];
    });
    expect(got).toEqual([3, true]);
  });

  it('1,000 concurrent connections on loopback each get their own echo', async () => {
    const N = 1000;
    const got = await onLoop(core, async (loop) => {
      const server = await loop.createServer(
        () => {
          let t: Transport;
          return new (class extends Protocol {
            override connectionMade(tr: Transport) {
              t = tr;
            }
            override dataReceived(d: Uint8Array) {
              t.write(d);
            }
          })();
        },
        '127.0.0.1',
        0,
        { backlog: 1024 },
      );
      const [host, port] = addr(server);
      const results = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const [reader, writer] = await openConnection(host, port);
          const msg = new TextEncoder().encode(`conn ${i}\n`);
          writer.write(msg);
          const line = new TextDecoder().decode(await reader.readline());
          writer.close();
          await writer.waitClosed();
          return line === `conn ${i}\n`;
        }),
      );
      server.close();
      await server.waitClosed();
      return results.filter(Boolean).length;
    }, 60);
    expect(got).toBe(N);
  });
});
