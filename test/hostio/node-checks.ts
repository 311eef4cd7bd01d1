/**
 * The wasmloop/node checks, written once for Node, Deno and Bun (through their node: modules):
 * TCP and Unix transports and streams, backpressure, half-close, refused connections,
 * subprocesses, signals, getaddrinfo. Each check throws on failure. Loopback only.
 */
import type * as Index from '../../bindings/index.js';
import { dec, enc, eq, onLoop } from './kit.js';
import type * as NodeIO from '../../bindings/node.js';

export interface NodeEnv {
  wl: typeof Index;
  io: typeof NodeIO;
  core: 'wasm' | 'js';
  tmpdir: string;
  /** A loopback port nothing listens on. */
  closedPort: number;
}

const addr = (s: NodeIO.Server) => s.sockets[0]!.getsockname() as [string, number];

export const nodeChecks: Record<string, (env: NodeEnv) => Promise<void>> = {
  async 'a protocol echo server over TCP: callbacks in order, extra info'(env) {
    await onLoop(env.wl, env.core, async (loop) => {
      const events: string[] = [];
      const server = await loop.createServer(
        () => {
          let t: NodeIO.Transport;
          return { connectionMade: (tr: NodeIO.Transport) => void (t = tr), dataReceived: (d: Uint8Array) => t.write(d), eofReceived: () => false };
        },
        '127.0.0.1',
        0,
      );
      const lost = loop.createFuture<unknown>();
      let got = '';
      const [t] = await loop.createConnection(
        () => ({
          connectionMade: () => void events.push('made'),
          dataReceived: (d: Uint8Array) => {
            if (!events.includes('data')) events.push('data');
            got += dec(d);
            if (got === 'ping') t.writeEof();
          },
          eofReceived: () => void events.push('eof'),
          connectionLost: (e: unknown) => {
            events.push('lost');
            lost.setResult(e);
          },
        }),
        ...addr(server),
      );
      t.write(enc('ping'));
      eq(await lost, null, 'connectionLost');
      eq(events, ['made', 'data', 'eof', 'lost'], 'client callbacks');
      eq((t.getExtraInfo('peername') as unknown[])[0], '127.0.0.1', 'peername');
      server.close();
      await server.waitClosed();
    });
  },

  async 'streams over TCP and Unix sockets echo lines'(env) {
    await onLoop(env.wl, env.core, async () => {
      const handler = async (r: NodeIO.StreamReader, w: NodeIO.StreamWriter) => {
        for await (const line of r) w.write(line);
        w.close();
      };
      const path = `${env.tmpdir}/wasmloop-check-${env.core}-${Date.now()}.sock`;
      for (const [server, open] of [
        [await env.io.startServer(handler, '127.0.0.1', 0), (s: NodeIO.Server) => env.io.openConnection(...addr(s))],
        [await env.io.startUnixServer(handler, path), () => env.io.openUnixConnection(path)],
      ] as const) {
        const [reader, writer] = await open(server);
        writer.write(enc('a\nb\n'));
        eq([dec(await reader.readline()), dec(await reader.readexactly(2))], ['a\n', 'b\n'], 'echo');
        writer.writeEof();
        eq((await reader.read()).length, 0, 'EOF');
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
      }
    });
  },

  async 'a slow reader holds the writer back: drain waits, nothing is lost'(env) {
    await onLoop(env.wl, env.core, async (loop) => {
      const CHUNK = 64 * 1024;
      let paused = 0;
      let maxBuf = 0;
      const server = await env.io.startServer(async (_r, w) => {
        for (let i = 0; i < 64; i++) {
          w.write(new Uint8Array(CHUNK).fill(i));
          maxBuf = Math.max(maxBuf, (w.transport as NodeIO.Transport).getWriteBufferSize());
          const d = w.drain();
          if (!d.done()) paused++;
          await d;
        }
        w.close();
      }, '127.0.0.1', 0);
      let total = 0;
      let ordered = true;
      const done = loop.createFuture();
      const [t] = await loop.createConnection(
        () => ({
          dataReceived: (d: Uint8Array) => {
            for (let k = 0; k < d.length; k++) if (d[k] !== Math.floor((total + k) / CHUNK)) ordered = false;
            total += d.length;
          },
          connectionLost: () => done.setResult(undefined),
        }),
        ...addr(server),
      );
      t.pauseReading();
      for (let i = 0; i < 400 && paused === 0; i++) await new Promise((r) => setTimeout(r, 5));
      t.resumeReading();
      await done;
      eq([paused > 0, maxBuf <= 2 * CHUNK, total, ordered], [true, true, 64 * CHUNK, true], 'backpressure');
      server.close();
    });
  },

  async 'a connection to a closed port fails with ConnectionRefusedError'(env) {
    await onLoop(env.wl, env.core, async () => {
      const e = await env.io.openConnection('127.0.0.1', env.closedPort).then(() => null, (x: unknown) => x);
      eq([e instanceof env.io.ConnectionRefusedError, (e as NodeIO.OSError).errno], [true, 111], 'refused');
    });
  },

  async 'a subprocess: communicate, returncode, kill'(env) {
    await onLoop(env.wl, env.core, async () => {
      const p = await env.io.createSubprocessExec('sh', '-c', 'cat; exit 4', { stdin: env.io.PIPE, stdout: env.io.PIPE });
      const [out] = await p.communicate(enc('through cat'));
      eq([dec(out!), p.returncode], ['through cat', 4], 'communicate');
      const s = await env.io.createSubprocessExec('sleep', '30');
      s.kill();
      eq(await s.wait(), -9, 'killed');
    });
  },

  async 'a signal handler runs as a loop callback'(env) {
    await onLoop(env.wl, env.core, async (loop) => {
      const fut = loop.createFuture<string>();
      loop.addSignalHandler('SIGUSR2', (x: string) => fut.setResult(x), 'got it');
      (globalThis as any).process.kill((globalThis as any).process.pid, 'SIGUSR2');
      eq(await fut, 'got it', 'handler');
      eq(loop.removeSignalHandler('SIGUSR2'), true, 'removed');
    });
  },

  async 'getaddrinfo resolves localhost'(env) {
    await onLoop(env.wl, env.core, async (loop) => {
      const infos = await loop.getaddrinfo('localhost', 80, { family: env.io.AF_INET, type: env.io.SOCK_STREAM });
      eq(infos[0], [env.io.AF_INET, env.io.SOCK_STREAM, env.io.IPPROTO_TCP, '', ['127.0.0.1', 80]], 'entry');
    });
  },
};
