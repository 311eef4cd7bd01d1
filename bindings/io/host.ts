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
  /**
   * Queues `data` for sending without blocking; the write buffer absorbs what the peer cannot take
   * yet. asyncio: `WriteTransport.write`.
   */
  write(data: Uint8Array | ArrayBuffer | ArrayBufferView): void;
  /**
   * Writes each piece of `list` in order, as one write of their concatenation. asyncio:
   * `WriteTransport.writelines`.
   */
  writelines(list: Iterable<Uint8Array | ArrayBuffer | ArrayBufferView>): void;
  /**
   * Closes the write end once the buffer is flushed (a half-close); throws where the transport cannot
   * (see canWriteEof). asyncio: `WriteTransport.write_eof`.
   */
  writeEof(): void;
  /** Whether writeEof() is supported. asyncio: `WriteTransport.can_write_eof`. */
  canWriteEof(): boolean;
  /**
   * Closes after the buffered data is sent; the protocol's connectionLost(null) follows as a loop
   * callback. Idempotent. asyncio: `BaseTransport.close`.
   */
  close(): void;
  /**
   * Closes at once, dropping buffered data; connectionLost(null) follows as a loop callback. asyncio:
   * `WriteTransport.abort`.
   */
  abort(): void;
  /**
   * True once close() or abort() was called or the connection was lost. asyncio:
   * `BaseTransport.is_closing`.
   */
  isClosing(): boolean;
  /**
   * Stops delivering received data to the protocol until resumeReading(); a no-op while closing or
   * already paused. asyncio: `ReadTransport.pause_reading`.
   */
  pauseReading(): void;
  /** Delivers received data again after pauseReading(). asyncio: `ReadTransport.resume_reading`. */
  resumeReading(): void;
  /**
   * Whether received data is being delivered (not paused, not closing). asyncio:
   * `ReadTransport.is_reading`.
   */
  isReading(): boolean;
  /**
   * Transport details by name ('peername', 'sockname', 'socket', …), or `dflt` when the transport has
   * none. asyncio: `BaseTransport.get_extra_info`.
   */
  getExtraInfo(name: string, dflt?: unknown): unknown;
  /**
   * Sets the high and low water marks of the write buffer: pauseWriting() past `high`, resumeWriting()
   * below `low`. RangeError unless 0 ≤ low ≤ high. asyncio: `WriteTransport.set_write_buffer_limits`.
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** Bytes buffered and not yet sent. asyncio: `WriteTransport.get_write_buffer_size`. */
  getWriteBufferSize(): number;
  /** `[low, high]`, the write buffer's water marks. asyncio: `WriteTransport.get_write_buffer_limits`. */
  getWriteBufferLimits(): [number, number];
  /** The protocol receiving this transport's events. asyncio: `BaseTransport.get_protocol`. */
  getProtocol(): ProtocolLike;
  /** Hands the transport's later events to `protocol`. asyncio: `BaseTransport.set_protocol`. */
  setProtocol(protocol: ProtocolLike): void;
}

/** A listening socket of a Server. */
export interface ServerSocket {
  /** `[host, port]` (IPv6: `[host, port, flowinfo, scopeId]`), or the path of a Unix socket. */
  getsockname(): [string, number] | [string, number, number, number] | string;
  /** The address family: AF_INET, AF_INET6 or AF_UNIX. */
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
  /**
   * Starts accepting connections (when the server was made with `startServing: false`); done once it
   * listens. asyncio: `Server.start_serving`.
   */
  startServing(): Future<void>;
  /** Whether the server accepts connections. asyncio: `Server.is_serving`. */
  isServing(): boolean;
  /**
   * Closes every connection the server accepted (their buffered data is sent first). asyncio:
   * `Server.close_clients` (3.13).
   */
  closeClients(): void;
  /**
   * Aborts every connection the server accepted, dropping buffered data. asyncio:
   * `Server.abort_clients` (3.13).
   */
  abortClients(): void;
  /** The loop the server serves on. asyncio: `Server.get_loop`. */
  getLoop(): EventLoop;
  /** The listening sockets (empty once closed). asyncio: `Server.sockets`. */
  readonly sockets: readonly ServerSocket[];
}

/** asyncio.SubprocessTransport. */
export interface SubprocessTransport {
  /** The child's process id. asyncio: `SubprocessTransport.get_pid`. */
  getPid(): number;
  /**
   * The exit status once the child exited (a negative signal number if a signal ended it), else null.
   * asyncio: `SubprocessTransport.get_returncode`.
   */
  getReturncode(): number | null;
  /**
   * The transport of the child's pipe `fd` (0, 1 or 2), or null if that stream is not a pipe. asyncio:
   * `SubprocessTransport.get_pipe_transport`.
   */
  getPipeTransport(fd: number): Transport | null;
  /**
   * Sends `signal` (a name such as 'SIGTERM', or its number) to the child: a no-op once it exited,
   * ProcessLookupError once the transport let it go (after connectionLost), RangeError for an
   * unknown signal. asyncio: `SubprocessTransport.send_signal`.
   */
  sendSignal(signal: string | number): void;
  /** Asks the child to stop (SIGTERM). asyncio: `SubprocessTransport.terminate`. */
  terminate(): void;
  /** Kills the child (SIGKILL). asyncio: `SubprocessTransport.kill`. */
  kill(): void;
  /** Closes the pipes and kills the child if it still runs. asyncio: `BaseTransport.close`. */
  close(): void;
  /** True once close() was called. asyncio: `BaseTransport.is_closing`. */
  isClosing(): boolean;
  /**
   * Transport details by name ('subprocess': the host's child process object), or `dflt`. asyncio:
   * `BaseTransport.get_extra_info`.
   */
  getExtraInfo(name: string, dflt?: unknown): unknown;
  /** The protocol receiving the child's events. asyncio: `BaseTransport.get_protocol`. */
  getProtocol(): SubprocessProtocolLike;
  /** Hands the child's later events to `protocol`. asyncio: `BaseTransport.set_protocol`. */
  setProtocol(protocol: SubprocessProtocolLike): void;
}

/** Options of `loop.createConnection` (asyncio's keyword arguments of `loop.create_connection`). */
export interface ConnectionOptions {
  /** Binds the local end first: `[host, port]`. */
  localAddr?: [string, number];
  /** 0 (any), AF_INET or AF_INET6. */
  family?: number;
}

/** Options of `loop.createServer` (asyncio's keyword arguments of `loop.create_server`). */
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

/** Options of `loop.createUnixServer` (asyncio's keyword arguments of `loop.create_unix_server`). */
export interface UnixServerOptions {
  /** The listen backlog (default 100, asyncio's). */
  backlog?: number;
  /** Accept connections at once (default true); else from startServing()/serveForever(). */
  startServing?: boolean;
}

/** How a child's standard stream is set up: PIPE, DEVNULL, STDOUT (stderr only), a file descriptor, or null to inherit. */
export type StdioSpec = number | null | undefined;

/**
 * How `loop.subprocessExec`/`subprocessShell` start the child (asyncio's keyword arguments of
 * `loop.subprocess_exec`).
 */
export interface SubprocessOptions {
  /** The child's standard input (default PIPE for the loop methods). */
  stdin?: StdioSpec;
  /** The child's standard output (default PIPE for the loop methods). */
  stdout?: StdioSpec;
  /** The child's standard error (default PIPE for the loop methods; STDOUT joins it to stdout). */
  stderr?: StdioSpec;
  /** The child's working directory (default: this process's). */
  cwd?: string;
  /** The child's environment (default: this process's); an undefined value leaves that variable out. */
  env?: Record<string, string | undefined>;
}

/**
 * One result of `loop.getaddrinfo`: `[family, type, proto, canonname, sockaddr]`, as Python's
 * `socket.getaddrinfo` gives it.
 */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: [string, number] | [string, number, number, number]];

/** Filters of `loop.getaddrinfo` (Python's `socket.getaddrinfo` arguments). */
export interface GetAddrInfoOptions {
  /** AF_INET, AF_INET6, or 0 (AF_UNSPEC: both). */
  family?: number;
  /** SOCK_STREAM, SOCK_DGRAM, or 0 (any). */
  type?: number;
  /** IPPROTO_TCP, IPPROTO_UDP, or 0 (any). */
  proto?: number;
  /** AI_* flags (AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST), or-ed. */
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
