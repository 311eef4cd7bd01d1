/// <reference types="node" />
/**
 * TCP and Unix-socket connections and servers over node:net (Node, and Deno and Bun through
 * their node: compatibility): loop.createConnection/createServer/createUnixConnection/
 * createUnixServer, and asyncio.Server.
 *
 * A Server owns one net.Server per listening address. It counts its live connections
 * (`_clients`, attached when a transport is made, detached after its connectionLost), so
 * waitClosed() is done when the server is closed and the last connection is gone (asyncio 3.12).
 * Connections accepted before the server serves (startServing: false) are held paused.
 */
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as dns from 'node:dns';
import { CancelledError, RuntimeError, describe } from '../../errors.js';
import { Future } from '../../futures.js';
import type { EventLoop } from '../../loop.js';
import { OSError, hostError } from '../../io/errors.js';
import { checkHostName } from '../../io/host.js';
import type { ConnectionOptions, Server, ServerOptions, ServerSocket, Transport, UnixServerOptions } from '../../io/host.js';
import type { ProtocolLike } from '../../io/protocols.js';
import { checkProtocolFactory } from '../../io/transports.js';
import { AF_INET, AF_INET6, AF_UNIX, pyAddr } from './constants.js';
import { StreamTransport, type TransportOwner } from './transport.js';

function checkPort(port: unknown, method: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError(`${method}() port must be an integer, got ${describe(port)}`);
  if (port < 0 || port > 65535) throw new RangeError(`${method}() port must be 0-65535, got ${port}`);
  return port;
}

function checkPath(path: unknown, method: string): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${method}() path must be a non-empty string, got ${describe(path)}`);
  return path;
}

function makeProtocol(factory: () => unknown): ProtocolLike {
  const p = factory();
  if (p === null || typeof p !== 'object') throw new TypeError(`protocolFactory() must return a protocol object, got ${describe(p)}`);
  return p as ProtocolLike;
}

function tcpExtra(sock: net.Socket): Record<string, unknown> {
  const v6 = (family: string | undefined) => family === 'IPv6';
  const peer = sock.remoteAddress === undefined ? null : v6(sock.remoteFamily) ? [sock.remoteAddress, sock.remotePort, 0, 0] : [sock.remoteAddress, sock.remotePort];
  const addr = sock.address() as net.AddressInfo | Record<string, never>;
  const local = addr.address === undefined ? null : v6(addr.family) ? [addr.address, addr.port, 0, 0] : [addr.address, addr.port];
  return { peername: peer, sockname: local, socket: sock };
}

/** Resolves with `value` one iteration after a Future completes the host part, as asyncio's waiters do. */
function settleSoon<T>(loop: EventLoop, fut: Future<T>, value: T, undo: () => void): void {
  loop._soonAlways(() => {
    if (fut.done()) undo();
    else fut.setResult(value);
  });
}

// ---- connections ----------------------------------------------------------------------------

function connect<P extends ProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  opts: net.NetConnectOpts,
  what: string | undefined,
  extra: (sock: net.Socket) => Record<string, unknown>,
): Future<[Transport, P]> {
  const fut = new Future<[Transport, P]>({ loop });
  const sock = net.connect({ ...opts, allowHalfOpen: true } as net.NetConnectOpts);
  const onError = (err: unknown) => {
    sock.destroy();
    if (!fut.done()) fut.setException(hostError(err, what));
  };
  sock.once('error', onError);
  sock.once('connect', () => {
    sock.removeListener('error', onError);
    if (fut.done() || loop.isClosed()) {
      sock.destroy();
      return;
    }
    if ('path' in opts === false) sock.setNoDelay(true);
    let protocol: P;
    try {
      protocol = makeProtocol(protocolFactory) as P;
    } catch (e) {
      sock.destroy();
      fut.setException(e);
      return;
    }
    const t = new StreamTransport(loop, sock, protocol, extra(sock));
    settleSoon(loop, fut, [t, protocol], () => t.close());
  });
  fut.addDoneCallback((f) => {
    if (f.cancelled() && !sock.destroyed) sock.destroy();
  });
  return fut;
}

export function createConnection<P extends ProtocolLike>(loop: EventLoop, protocolFactory: () => P, host: string, port: number, opts: ConnectionOptions = {}): Future<[Transport, P]> {
  checkProtocolFactory(protocolFactory, 'createConnection');
  if (typeof host !== 'string' || host === '') throw new TypeError(`createConnection() host must be a non-empty string, got ${describe(host)}`);
  checkHostName(host, 'createConnection');
  checkPort(port, 'createConnection');
  const local = opts.localAddr;
  if (local !== undefined && (!Array.isArray(local) || typeof local[0] !== 'string' || typeof local[1] !== 'number'))
    throw new TypeError(`createConnection() localAddr must be [host, port], got ${describe(local)}`);
  if (local !== undefined && local[0] !== '') checkHostName(local[0], 'createConnection');
  const o: net.TcpNetConnectOpts = { host, port };
  if (opts.family) o.family = opts.family === AF_INET6 ? 6 : opts.family === AF_INET ? 4 : 0;
  if (opts.localAddr) {
    o.localAddress = opts.localAddr[0];
    o.localPort = opts.localAddr[1];
  }
  return connect(loop, protocolFactory, o, `Connect call failed ${pyAddr([host, port])}`, tcpExtra);
}

export function createUnixConnection<P extends ProtocolLike>(loop: EventLoop, protocolFactory: () => P, path: string): Future<[Transport, P]> {
  checkProtocolFactory(protocolFactory, 'createUnixConnection');
  checkPath(path, 'createUnixConnection');
  return connect(loop, protocolFactory, { path }, undefined, (sock) => ({ peername: path, sockname: '', socket: sock }));
}

// ---- servers --------------------------------------------------------------------------------

class ListeningSocket implements ServerSocket {
  constructor(
    private readonly _srv: net.Server,
    private readonly _path: string | null,
  ) {}
  get family(): number {
    if (this._path !== null) return AF_UNIX;
    const a = this._srv.address() as net.AddressInfo | null;
    return a?.family === 'IPv6' ? AF_INET6 : AF_INET;
  }
  getsockname(): [string, number] | [string, number, number, number] | string {
    if (this._path !== null) return this._path;
    const a = this._srv.address() as net.AddressInfo | null;
    if (a === null) return ['', 0];
    return a.family === 'IPv6' ? [a.address, a.port, 0, 0] : [a.address, a.port];
  }
}

export class NodeServer implements Server, TransportOwner {
  private readonly _loop: EventLoop;
  private readonly _protocolFactory: () => unknown;
  private _servers: net.Server[] | null = [];
  private _sockets: ListeningSocket[] = [];
  private readonly _path: string | null;
  private _serving = false;
  private _servingForeverFut: Future<void> | null = null;
  private _waiters: Array<Future<void>> | null = [];
  private readonly _clients = new Set<StreamTransport>();
  private _held: net.Socket[] = [];

  constructor(loop: EventLoop, protocolFactory: () => unknown, path: string | null) {
    this._loop = loop;
    this._protocolFactory = protocolFactory;
    this._path = path;
  }

  get sockets(): readonly ServerSocket[] {
    return this._servers === null ? [] : this._sockets.slice();
  }

  getLoop(): EventLoop {
    return this._loop;
  }

  isServing(): boolean {
    return this._serving && this._servers !== null;
  }

  /** Stops listening. Open connections stay open (asyncio 3.12); closeClients()/abortClients() close them. */
  close(): void {
    const servers = this._servers;
    if (servers === null) return;
    this._servers = null;
    this._serving = false;
    for (const s of servers) s.close();
    for (const s of this._held.splice(0)) s.destroy();
    const f = this._servingForeverFut;
    if (f !== null && !f.done()) f.cancel();
    if (this._clients.size === 0) this._wakeup();
  }

  closeClients(): void {
    for (const t of [...this._clients]) t.close();
  }

  abortClients(): void {
    for (const t of [...this._clients]) t.abort();
  }

  waitClosed(): Future<void> {
    const w = new Future<void>({ loop: this._loop });
    if (this._waiters === null) w.setResult();
    else this._waiters.push(w);
    return w;
  }

  /** Starts accepting (connections held until now are served); done after one iteration. */
  startServing(): Future<void> {
    if (this._servers === null) throw new RuntimeError(`server ${this} is closed`);
    this._startServing();
    const f = new Future<void>({ loop: this._loop });
    this._loop.callSoon(() => {
      if (!f.done()) f.setResult();
    });
    return f;
  }

  /** A task that serves until it is cancelled or the server is closed; then it closes the server and waits for it. */
  serveForever(): Future<void> {
    if (this._servingForeverFut !== null) throw new RuntimeError(`server ${this} is already being awaited on serveForever()`);
    if (this._servers === null) throw new RuntimeError(`server ${this} is closed`);
    this._startServing();
    const fut = new Future<void>({ loop: this._loop });
    this._servingForeverFut = fut;
    const self = this;
    return this._loop.createTask(
      (function* serveForever(): Generator<unknown, void, unknown> {
        try {
          yield* fut;
        } catch (e) {
          if (e instanceof CancelledError) {
            self.close();
            yield* self.waitClosed();
          }
          throw e;
        } finally {
          self._servingForeverFut = null;
        }
      })(),
    );
  }

  toString(): string {
    return `<Server sockets=[${this.sockets.map((s) => JSON.stringify(s.getsockname())).join(', ')}]>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal */ _attach(t: StreamTransport): void {
    this._clients.add(t);
  }

  /** @internal */ _detach(t: StreamTransport): void {
    this._clients.delete(t);
    if (this._clients.size === 0 && this._servers === null) this._wakeup();
  }

  /** @internal */ _listen(srv: net.Server, listen: net.ListenOptions, what: string): Promise<void> {
    srv.on('connection', this._onConnection);
    return new Promise<void>((resolve, reject) => {
      const onError = (err: unknown) => reject(err);
      srv.once('error', onError);
      srv.listen(listen, () => {
        srv.removeListener('error', onError);
        srv.on('error', (e: unknown) => {
          if (!this._loop.isClosed()) this._loop.callExceptionHandler({ message: `Error on ${what}`, exception: hostError(e), server: this });
        });
        if (this._servers === null) srv.close();
        else {
          this._servers.push(srv);
          this._sockets.push(new ListeningSocket(srv, this._path));
        }
        resolve();
      });
    });
  }

  /** @internal */ _startServing(): void {
    if (this._serving) return;
    this._serving = true;
    for (const s of this._held.splice(0)) this._accept(s);
  }

  private readonly _onConnection = (sock: net.Socket): void => {
    if (this._servers === null || this._loop.isClosed()) {
      sock.destroy();
      return;
    }
    if (!this._serving) {
      sock.on('error', () => {});
      sock.pause();
      this._held.push(sock);
      return;
    }
    this._accept(sock);
  };

  private _accept(sock: net.Socket): void {
    let protocol: ProtocolLike;
    try {
      protocol = makeProtocol(this._protocolFactory);
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception, server: this });
      sock.destroy();
      return;
    }
    if (this._path === null) sock.setNoDelay(true);
    const extra = this._path === null ? tcpExtra(sock) : { peername: '', sockname: this._path, socket: sock };
    new StreamTransport(this._loop, sock, protocol, extra, { owner: this });
    if (sock.isPaused()) sock.resume();
  }

  private _wakeup(): void {
    const ws = this._waiters;
    this._waiters = null;
    if (ws) for (const w of ws) if (!w.done()) w.setResult();
  }
}

function lookupAll(host: string, family: number): Promise<string[]> {
  if (net.isIP(host)) return Promise.resolve([host]);
  return new Promise((resolve, reject) =>
    dns.lookup(host, { all: true, family: family === AF_INET6 ? 6 : family === AF_INET ? 4 : 0 }, (err, addrs) => {
      if (err) reject(err);
      else resolve([...new Set(addrs.map((a) => a.address))]);
    }),
  );
}

/** Runs `build` (which fills `server`), resolving the Future with the server or failing it after closing what was opened. */
function serve(loop: EventLoop, server: NodeServer, build: () => Promise<void>): Future<Server> {
  const fut = new Future<Server>({ loop });
  build().then(
    () => {
      if (fut.done() || loop.isClosed()) server.close();
      else fut.setResult(server);
    },
    (e) => {
      server.close();
      if (!fut.done() && !loop.isClosed()) fut.setException(e);
    },
  );
  fut.addDoneCallback((f) => {
    if (f.cancelled()) server.close();
  });
  return fut;
}

function bindError(err: any, addr: string): unknown {
  const e = hostError(err);
  if (!(e instanceof OSError)) return e;
  const why = (e.strerror || String(err?.message ?? err)).toLowerCase();
  return new OSError(e.errno, `error while attempting to bind on address ${addr}: ${why}`, { code: e.code, cause: err });
}

export function createServer(loop: EventLoop, protocolFactory: () => ProtocolLike, host: string | string[] | null | undefined, port: number, opts: ServerOptions = {}): Future<Server> {
  checkProtocolFactory(protocolFactory, 'createServer');
  checkPort(port, 'createServer');
  const hosts = host === null || host === undefined || host === '' ? [undefined] : Array.isArray(host) ? host : [host];
  for (const h of hosts) {
    if (h !== undefined && typeof h !== 'string') throw new TypeError(`createServer() host must be a string, a list of strings or null, got ${describe(h)}`);
    if (h) checkHostName(h, 'createServer');
  }
  const backlog = opts.backlog ?? 100;
  const server = new NodeServer(loop, protocolFactory, null);
  return serve(loop, server, async () => {
    const addrs: Array<string | undefined> = [];
    for (const h of hosts) addrs.push(...(h === undefined ? [undefined] : await lookupAll(h, opts.family ?? 0)));
    for (const a of addrs) {
      const srv = net.createServer({ allowHalfOpen: true });
      const listen: net.ListenOptions = { port, backlog };
      if (a !== undefined) listen.host = a;
      if (opts.ipv6Only) listen.ipv6Only = true;
      try {
        await server._listen(srv, listen, 'TCP server');
      } catch (err) {
        throw bindError(err, pyAddr([a ?? '::', port]));
      }
    }
    if (opts.startServing !== false) server._startServing();
  });
}

export function createUnixServer(loop: EventLoop, protocolFactory: () => ProtocolLike, path: string, opts: UnixServerOptions = {}): Future<Server> {
  checkProtocolFactory(protocolFactory, 'createUnixServer');
  checkPath(path, 'createUnixServer');
  const server = new NodeServer(loop, protocolFactory, path);
  return serve(loop, server, async () => {
    // a stale socket file from an earlier run is removed, as asyncio does
    try {
      if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
    } catch {
      // absent: nothing to remove
    }
    try {
      await server._listen(net.createServer({ allowHalfOpen: true }), { path, backlog: opts.backlog ?? 100 }, 'Unix server');
    } catch (err) {
      throw bindError(err, JSON.stringify(path));
    }
    if (opts.startServing !== false) server._startServing();
  });
}
