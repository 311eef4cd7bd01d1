/**
 * wasmloop/web — host I/O that browsers have, and Node, Deno and Bun too: WebSocket
 * transports and streams, and `fetch` as a loop Future a task can cancel. Portable: it imports
 * nothing host-specific and uses the host's global WebSocket, fetch and AbortController.
 *
 * WebSocketTransport follows the byte-stream transport contract where a WebSocket can:
 * each write() is one message (bytes → binary, a string → text); a protocol with
 * `messageReceived(msg)` gets each whole message (Uint8Array or string), else `dataReceived(bytes)`
 * gets its bytes (text UTF-8 encoded), so stream protocols work unchanged. A WebSocket cannot
 * half-close (canWriteEof() is false) and has no read backpressure: pauseReading() holds messages
 * in the transport while the host keeps receiving. Write flow control polls `bufferedAmount`
 * (no host event reports it) every 10 ms while the protocol is paused.
 * @module wasmloop/web
 */
import { NotImplementedError, describe } from './errors.js';
import { Future } from './futures.js';
import type { EventLoop } from './loop.js';
import type { TimerHandle } from './handles.js';
import { getRunningLoop } from './events.js';
import { wrapThenable } from './tasks.js';
import { ConnectionError, ConnectionResetError, hostError } from './io/errors.js';
import type { Transport } from './io/host.js';
import type { ProtocolLike } from './io/protocols.js';
import { BaseTransport, checkProtocolFactory, concatBytes, toBytes } from './io/transports.js';
import { StreamReader, StreamWriter, checkLimit, streamPair } from './io/streams.js';

/** The parts of a WebSocket (browser, Node, Deno, Bun, or the `ws` package) the transport uses. */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by send() and not yet transmitted. */
  readonly bufferedAmount: number;
  /** The subprotocol the server chose. */
  readonly protocol: string;
  /** The extensions the server chose. */
  readonly extensions: string;
  /** The URL connected to. */
  readonly url: string;
  /** How binary messages arrive (the transport sets 'arraybuffer'). */
  binaryType: string;
  /** Sends one message. */
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Listens for 'open', 'message', 'close' or 'error'. */
  addEventListener(type: string, listener: (ev: any) => void): void;
  /** Stops listening. */
  removeEventListener(type: string, listener: (ev: any) => void): void;
}

/** A WebSocket class: the host's global one, or one such as the `ws` package's. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;
const POLL_SECONDS = 0.01;
const utf8 = new TextEncoder();

/**
 * A transport over a WebSocket (see the module's comment): asyncio's Transport contract where a
 * WebSocket can follow it. Made by `createWebSocketConnection`.
 */
export class WebSocketTransport extends BaseTransport implements Transport {
  /** @internal */ _ws: WebSocketLike;
  private _closing = false;
  private _paused = false;
  private _connLost = false;
  private _aborting = false;
  private _inbox: Array<Uint8Array | string> = [];
  private _inHead = 0;
  private _drainScheduled = false;
  private _closeEvent: { code: number; reason: string; wasClean: boolean } | null = null;
  private _poll: TimerHandle | null = null;

  constructor(loop: EventLoop, ws: WebSocketLike, protocol: ProtocolLike) {
    super(loop, protocol, { socket: ws, url: ws.url, subprotocol: ws.protocol, extensions: ws.extensions });
    this._ws = ws;
    ws.addEventListener('message', this._onMessage);
    ws.addEventListener('close', this._onClose);
    ws.addEventListener('error', noop);
    if (typeof protocol.connectionMade === 'function') loop._soonAlways(() => this._connLost || protocol.connectionMade!(this));
  }

  /** Sends one message: bytes as a binary message, a string as a text message. */
  write(data: Uint8Array | ArrayBuffer | ArrayBufferView | string): void {
    const msg = typeof data === 'string' ? data : toBytes(data, 'write');
    if (this._closing || this._connLost || this._ws.readyState !== OPEN) return;
    this._ws.send(msg);
    this._maybePauseProtocol();
    if (this._protocolPaused && this._poll === null) this._poll = this._loop.callLater(POLL_SECONDS, this._pollBuffer);
  }

  /** Sends the pieces joined as one binary message (asyncio's writelines is write(b''.join(list))). */
  writelines(list: Iterable<Uint8Array | ArrayBuffer | ArrayBufferView>): void {
    this.write(concatBytes(Array.from(list, (d) => toBytes(d, 'writelines'))));
  }

  /** Always throws NotImplementedError: a WebSocket cannot half-close (use close()). */
  writeEof(): never {
    throw new NotImplementedError('a WebSocket cannot half-close: use close()');
  }

  /** False: a WebSocket cannot half-close. */
  canWriteEof(): boolean {
    return false;
  }

  /** Starts the closing handshake (code 1000 unless given); connectionLost follows the peer's answer. */
  close(code = 1000, reason = ''): void {
    if (this._closing) return;
    this._closing = true;
    this._inbox = [];
    this._ws.close(code, reason);
  }

  /** Closes without waiting for the handshake: connectionLost(null) follows as the next loop callback. */
  abort(): void {
    if (this._connLost || this._aborting) return;
    this._aborting = true;
    if (!this._closing) {
      this._closing = true;
      this._ws.close();
    }
    this._inbox = [];
    this._loop._soonAlways(() => this._lose(null));
  }

  /** True once close() or abort() was called or the connection was lost. */
  isClosing(): boolean {
    return this._closing;
  }

  /** Holds received messages in the transport until resumeReading() (the host keeps receiving). */
  pauseReading(): void {
    if (this._closing || this._paused) return;
    this._paused = true;
  }

  /** Delivers held and later messages again. */
  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._schedule();
  }

  /** Whether messages are delivered (not paused, not closing). */
  isReading(): boolean {
    return !this._paused && !this._closing;
  }

  /** Bytes queued by send() and not yet transmitted (the WebSocket's bufferedAmount). */
  getWriteBufferSize(): number {
    return this._ws.bufferedAmount;
  }

  override toString(): string {
    return `<WebSocketTransport url=${this._ws.url}${this._connLost ? ' closed' : this._closing ? ' closing' : ''}>`;
  }

  private readonly _pollBuffer = (): void => {
    this._poll = null;
    if (this._connLost) return;
    this._maybeResumeProtocol();
    if (this._protocolPaused) this._poll = this._loop.callLater(POLL_SECONDS, this._pollBuffer);
  };

  private readonly _onMessage = (ev: { data: unknown }): void => {
    if (this._closing) return;
    const d = ev.data;
    this._inbox.push(typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : toBytes(d, 'message'));
    this._schedule();
  };

  private readonly _onClose = (ev: { code: number; reason: string; wasClean: boolean }): void => {
    this._closeEvent = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
    this._extra.closeCode = ev.code;
    this._extra.closeReason = ev.reason;
    this._schedule();
  };

  private _schedule(): void {
    if (this._drainScheduled || this._connLost) return;
    if (this._loop.isClosed()) {
      this._ws.close();
      return;
    }
    this._drainScheduled = true;
    this._loop._soonAlways(this._drain);
  }

  private readonly _drain = (): void => {
    this._drainScheduled = false;
    if (this._connLost || this._aborting) return;
    const p = this._protocol;
    while (!this._closing && !this._paused && this._inHead < this._inbox.length) {
      const msg = this._inbox[this._inHead]!;
      this._inbox[this._inHead++] = '';
      try {
        if (typeof p.messageReceived === 'function') p.messageReceived(msg);
        else p.dataReceived?.(typeof msg === 'string' ? utf8.encode(msg) : msg);
      } catch (e) {
        this._reportFatal(e, `Fatal error: protocol.${typeof p.messageReceived === 'function' ? 'messageReceived' : 'dataReceived'}() call failed.`);
        this._closing = true;
        this._ws.close(1011, 'protocol error');
        this._lose(e);
        return;
      }
    }
    if (this._inHead === this._inbox.length) {
      this._inbox = [];
      this._inHead = 0;
    }
    const ev = this._closeEvent;
    if (ev === null || (this._inbox.length > 0 && !this._closing && ev.wasClean)) return;
    this._lose(ev.wasClean ? null : new ConnectionResetError(null, `WebSocket closed abnormally (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`));
  };

  private _lose(exc: unknown): void {
    if (this._connLost) return;
    this._connLost = true;
    this._closing = true;
    this._inbox = [];
    if (this._poll !== null) this._poll.cancel();
    this._ws.removeEventListener('message', this._onMessage);
    this._ws.removeEventListener('close', this._onClose);
    this._protocol.connectionLost?.(exc);
  }
}

function noop(): void {}

/** Options of `createWebSocketConnection()` and `openWebSocket()`. */
export interface WebSocketOptions {
  /** Subprotocols to offer. */
  protocols?: string | string[];
  /** The loop (default: the running loop). */
  loop?: EventLoop;
  /** The WebSocket class (default: the global one); e.g. the `ws` package's in Node 20. */
  WebSocket?: WebSocketConstructor;
}

function webSocketClass(opts: WebSocketOptions): WebSocketConstructor {
  const WS = opts.WebSocket ?? ((globalThis as { WebSocket?: WebSocketConstructor }).WebSocket as WebSocketConstructor | undefined);
  if (typeof WS !== 'function')
    throw new NotImplementedError('this host has no global WebSocket (Node 20 needs --experimental-websocket): pass { WebSocket } (e.g. the ws package’s class)');
  return WS;
}

/**
 * Opens a WebSocket to `url`; gives [transport, protocol] once it is open. Cancelling it closes the
 * socket. No asyncio counterpart (browsers' WebSocket; asyncio has none).
 */
export function createWebSocketConnection<P extends ProtocolLike>(protocolFactory: () => P, url: string | URL, opts: WebSocketOptions = {}): Future<[WebSocketTransport, P]> {
  checkProtocolFactory(protocolFactory, 'createWebSocketConnection');
  if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError(`createWebSocketConnection() url must be a string or URL, got ${describe(url)}`);
  const loop = opts.loop ?? getRunningLoop();
  const WS = webSocketClass(opts);
  const ws = new WS(String(url), opts.protocols);
  ws.binaryType = 'arraybuffer';
  const fut = new Future<[WebSocketTransport, P]>({ loop });
  const detach = () => {
    ws.removeEventListener('open', onOpen);
    ws.removeEventListener('close', onFail);
  };
  const onFail = (ev: { code?: number }) => {
    detach();
    if (!fut.done() && !loop.isClosed()) fut.setException(new ConnectionError(null, `WebSocket connection to ${String(url)} failed${ev?.code ? ` (code ${ev.code})` : ''}`));
  };
  const onOpen = () => {
    detach();
    if (fut.done() || loop.isClosed()) {
      ws.close();
      return;
    }
    let protocol: P;
    try {
      protocol = protocolFactory();
    } catch (e) {
      ws.close();
      fut.setException(e);
      return;
    }
    const t = new WebSocketTransport(loop, ws, protocol);
    loop._soonAlways(() => {
      if (fut.done()) t.close();
      else fut.setResult([t, protocol]);
    });
  };
  ws.addEventListener('open', onOpen);
  ws.addEventListener('close', onFail);
  ws.addEventListener('error', noop);
  fut.addDoneCallback((f) => {
    if (f.cancelled()) ws.close();
  });
  return fut;
}

/**
 * A WebSocket as a [StreamReader, StreamWriter] pair: each write is one binary message; received
 * messages feed the reader. No asyncio counterpart.
 */
export function openWebSocket(url: string | URL, opts: WebSocketOptions & { limit?: number } = {}): Future<[StreamReader, StreamWriter]> {
  const loop = opts.loop ?? getRunningLoop();
  checkLimit(opts.limit);
  return streamPair(loop, opts.limit, (f) => createWebSocketConnection(f, url, { ...opts, loop }) as unknown as Future<[Transport, ReturnType<typeof f>]>);
}

// ---- fetch --------------------------------------------------------------------------------------

/**
 * Which body reader `fetch(…, { read })` uses: the Response method of that name (`'bytes'`: a
 * Uint8Array).
 */
export type FetchBody = 'text' | 'json' | 'arrayBuffer' | 'bytes' | 'blob';

/** The host fetch's RequestInit, plus the loop and which body to read. */
export interface FetchInit extends RequestInit {
  /** The loop (default: the running loop). */
  loop?: EventLoop;
  /** Read the body too, so cancelling covers it: the Future then gives the body instead of the Response. */
  read?: FetchBody;
}

/**
 * The host's fetch as a loop Future. Cancelling the Future (or the task awaiting it) aborts the
 * request through an AbortController — the body too when `read` is given. A connection failure
 * becomes the matching OSError where the host says which (ConnectionRefusedError, …).
 * No asyncio counterpart.
 */
export function fetch(input: RequestInfo | URL, init?: FetchInit & { read?: undefined }): Future<Response>;
export function fetch(input: RequestInfo | URL, init: FetchInit & { read: 'text' }): Future<string>;
export function fetch(input: RequestInfo | URL, init: FetchInit & { read: 'json' }): Future<unknown>;
export function fetch(input: RequestInfo | URL, init: FetchInit & { read: 'arrayBuffer' }): Future<ArrayBuffer>;
export function fetch(input: RequestInfo | URL, init: FetchInit & { read: 'bytes' }): Future<Uint8Array>;
export function fetch(input: RequestInfo | URL, init: FetchInit & { read: 'blob' }): Future<Blob>;
export function fetch(input: RequestInfo | URL, init?: FetchInit): Future<any> {
  const { loop: given, read, signal, ...rest } = init ?? {};
  if (read !== undefined && !['text', 'json', 'arrayBuffer', 'bytes', 'blob'].includes(read)) throw new TypeError(`fetch() read must be 'text', 'json', 'arrayBuffer', 'bytes' or 'blob', got ${describe(read)}`);
  const loop = given ?? getRunningLoop();
  const hostFetch = (globalThis as { fetch?: typeof globalThis.fetch }).fetch;
  if (typeof hostFetch !== 'function') throw new NotImplementedError('this host has no global fetch');
  const ac = new AbortController();
  if (signal) {
    if (signal.aborted) ac.abort(signal.reason);
    else signal.addEventListener('abort', () => ac.abort(signal.reason), { once: true });
  }
  const body = hostFetch(input, { ...rest, signal: ac.signal }).then(
    async (res) => {
      if (read === undefined) return res;
      if (read === 'bytes') return new Uint8Array(await res.arrayBuffer());
      return res[read]();
    },
    (e) => {
      throw fetchError(e);
    },
  );
  const fut = wrapThenable<unknown>(body, loop);
  fut.addDoneCallback((f) => {
    if (f.cancelled()) ac.abort();
  });
  return fut;
}

/**
 * A failed fetch is a TypeError everywhere; what failed is in its `cause` (Node: an error with a
 * code; Deno: an error whose message ends with the OS's text), or on the TypeError itself (Bun's
 * `code`).
 */
function fetchError(e: unknown): unknown {
  if (!(e instanceof TypeError)) return e;
  const cause = (e as { cause?: unknown }).cause;
  // on the TypeError itself only a system error code (ECONNREFUSED), not an argument error's ERR_*
  const own = /^E[A-Z0-9]+$/.test(String((e as { code?: unknown }).code)) ? e : null;
  for (const source of [cause, own]) {
    if (source === null || typeof source !== 'object') continue;
    const mapped = hostError(source);
    if (mapped !== source) return mapped;
  }
  return e;
}

export { StreamReader, StreamWriter, StreamReaderProtocol, FlowControlProtocol, DEFAULT_LIMIT } from './io/streams.js';
export { BaseProtocol, Protocol } from './io/protocols.js';
export type { ProtocolLike, ProtocolFactory } from './io/protocols.js';
export type { Transport } from './io/host.js';
export type { Separator } from './io/streams.js';
export * from './io/errors.js';
