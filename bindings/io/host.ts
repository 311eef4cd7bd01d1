/**
 * The I/O model's contract (asyncio's proactor layer): the portable loop's I/O methods
 * (`loop.createConnection`, `loop.createServer`, `loop.subprocessExec`, `loop.getaddrinfo`, …)
 * delegate to a host I/O provider that a host module installs when it is imported
 * (`wasmloop/node`). Without one they throw NotImplementedError naming the module to import.
 * The portable entry imports nothing host-specific: only these types and the registry.
 *
 * JavaScript hosts are completion-based (the host is the selector), so the readiness-based calls
 * — addReader/addWriter and the sock* calls on raw sockets — are never offered: `reactorOnly()`
 * builds the error that says so and names the alternative.
 */
import { NotImplementedError } from '../errors.js';
import type { Future } from '../futures.js';
import type { EventLoop } from '../loop.js';
import type { ProtocolLike, SubprocessProtocolLike } from './protocols.js';

/** A byte-stream transport (asyncio.Transport). */
export interface Transport {
  write(data: Uint8Array | ArrayBuffer | ArrayBufferView): void;
  writelines(list: Iterable<Uint8Array | ArrayBuffer | ArrayBufferView>): void;
  writeEof(): void;
  canWriteEof(): boolean;
  close(): void;
  abort(): void;
  isClosing(): boolean;
  pauseReading(): void;
  resumeReading(): void;
  isReading(): boolean;
  getExtraInfo(name: string, dflt?: unknown): unknown;
  setWriteBufferLimits(high?: number | null, low?: number | null): void;
  getWriteBufferSize(): number;
  getWriteBufferLimits(): [number, number];
  getProtocol(): ProtocolLike;
  setProtocol(protocol: ProtocolLike): void;
}

/** A listening socket of a Server. */
export interface ServerSocket {
  /** `[host, port]` (IPv6: `[host, port, flowinfo, scopeId]`), or the path of a Unix socket. */
  getsockname(): [string, number] | [string, number, number, number] | string;
  readonly family: number;
}

/** asyncio.Server. */
export interface Server {
  /** Stops listening; open connections stay open (closeClients/abortClients close them). */
  close(): void;
  /** Done when the server is closed and every connection it accepted is gone. */
  waitClosed(): Future<void>;
  /** Serves until cancelled (or until close()); cancelling it closes the server. */
  serveForever(): Future<void>;
  startServing(): Future<void>;
  isServing(): boolean;
  closeClients(): void;
  abortClients(): void;
  getLoop(): EventLoop;
  readonly sockets: readonly ServerSocket[];
}

/** asyncio.SubprocessTransport. */
export interface SubprocessTransport {
  getPid(): number;
  getReturncode(): number | null;
  getPipeTransport(fd: number): Transport | null;
  sendSignal(signal: string | number): void;
  terminate(): void;
  kill(): void;
  close(): void;
  isClosing(): boolean;
  getExtraInfo(name: string, dflt?: unknown): unknown;
  getProtocol(): SubprocessProtocolLike;
  setProtocol(protocol: SubprocessProtocolLike): void;
}

export interface ConnectionOptions {
  /** Binds the local end first: `[host, port]`. */
  localAddr?: [string, number];
  /** 0 (any), AF_INET or AF_INET6. */
  family?: number;
}

export interface ServerOptions {
  /** The listen backlog (default 100, asyncio's). */
  backlog?: number;
  /** Accept connections at once (default true); else from startServing()/serveForever(). */
  startServing?: boolean;
  /** 0 (any), AF_INET or AF_INET6. */
  family?: number;
  /** IPv6 sockets accept IPv6 only. */
  ipv6Only?: boolean;
}

export interface UnixServerOptions {
  backlog?: number;
  startServing?: boolean;
}

/** How a child's standard stream is set up: PIPE, DEVNULL, STDOUT (stderr only), a file descriptor, or null to inherit. */
export type StdioSpec = number | null | undefined;

export interface SubprocessOptions {
  stdin?: StdioSpec;
  stdout?: StdioSpec;
  stderr?: StdioSpec;
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: [string, number] | [string, number, number, number]];

export interface GetAddrInfoOptions {
  family?: number;
  type?: number;
  proto?: number;
  flags?: number;
}

/** What a host I/O module provides; every call takes the loop it works for. */
export interface HostIO {
  readonly name: string;
  createConnection<P extends ProtocolLike>(loop: EventLoop, protocolFactory: () => P, host: string, port: number, opts: ConnectionOptions): Future<[Transport, P]>;
  createServer(loop: EventLoop, protocolFactory: () => ProtocolLike, host: string | string[] | null | undefined, port: number, opts: ServerOptions): Future<Server>;
  createUnixConnection<P extends ProtocolLike>(loop: EventLoop, protocolFactory: () => P, path: string): Future<[Transport, P]>;
  createUnixServer(loop: EventLoop, protocolFactory: () => ProtocolLike, path: string, opts: UnixServerOptions): Future<Server>;
  subprocessExec<P extends SubprocessProtocolLike>(loop: EventLoop, protocolFactory: () => P, program: string, args: string[], opts: SubprocessOptions): Future<[SubprocessTransport, P]>;
  subprocessShell<P extends SubprocessProtocolLike>(loop: EventLoop, protocolFactory: () => P, cmd: string, opts: SubprocessOptions): Future<[SubprocessTransport, P]>;
  addSignalHandler(loop: EventLoop, sig: string | number, callback: (...args: any[]) => unknown, args: unknown[]): void;
  removeSignalHandler(loop: EventLoop, sig: string | number): boolean;
  getaddrinfo(loop: EventLoop, host: string | null, port: number | string | null, opts: GetAddrInfoOptions): Future<AddrInfo[]>;
  getnameinfo(loop: EventLoop, sockaddr: [string, number] | [string, number, number, number], flags: number): Future<[string, string]>;
}

/** Characters no host name can hold: controls (NUL included), whitespace, lone surrogates. */
const NOT_IN_HOST_NAMES = /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses, at the call site, a host that no resolver could look up and that a C resolver would
 * silently truncate or mangle (`'localhost\0.example'` connected to localhost): a character no host
 * name can hold, an empty label, a label over 63 characters or a name over 253 — RangeError
 * (Python's ValueError: `embedded null character`, or the idna codec's `label empty or too long`).
 * IP literals pass (IPv6 ones hold no dots; a zone id follows `%`).
 */
export function checkHostName(host: string, method: string): string {
  const bad = NOT_IN_HOST_NAMES.exec(host);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0);
    const what = code === 0 ? 'a NUL character' : `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new RangeError(`${method}() host ${JSON.stringify(host)} holds ${what} at index ${bad.index}, which no host name can hold`);
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253) throw new RangeError(`${method}() host is ${name.length} characters long: a host name has at most 253`);
  for (const label of name.split('.'))
    if (label.length === 0 || label.length > 63)
      throw new RangeError(`${method}() host ${JSON.stringify(host)} has ${label.length ? `a label of ${label.length} characters (at most 63)` : 'an empty label'}`);
  return host;
}

let provider: HostIO | null = null;

/** @internal installed by a host module (wasmloop/node) when it is imported */
export function setHostIO(io: HostIO): void {
  provider = io;
}

/** The installed host I/O provider, or NotImplementedError naming the module that provides it. */
export function hostIO(method: string): HostIO {
  if (provider !== null) return provider;
  throw new NotImplementedError(
    `loop.${method}() needs host I/O, which the portable entry does not load: import 'wasmloop/node' (Node, Deno, Bun) first; in a browser use 'wasmloop/web' (WebSocket, fetch)`,
  );
}

/** The error for readiness-based (reactor-style) calls, which a completion-based host cannot offer. */
export function reactorOnly(method: string): NotImplementedError {
  if (method.startsWith('sock'))
    return new NotImplementedError(
      `loop.${method}() works on raw socket objects, which JavaScript hosts never expose: they are completion-based (the host owns the socket and reports completed reads and writes). ` +
        `Use a Transport from loop.createConnection()/createServer() (transport.write) or streams from openConnection()/startServer() (writer.write, await writer.drain(), reader.read()) instead.`,
    );
  return new NotImplementedError(
    `loop.${method}() is readiness-based (reactor style), but JavaScript hosts are completion-based: the host is the selector and never exposes file descriptors to watch. ` +
      `Use loop.createConnection()/createServer() with a Protocol, or openConnection()/startServer() streams, from 'wasmloop/node' instead.`,
  );
}
