/// <reference types="node" />
/**
 * StreamTransport — asyncio's transport over a Node stream: a net.Socket (TCP, Unix) or one pipe
 * of a child process. Works in Node, and in Deno and Bun through their node: compatibility.
 *
 * Completion-based, like asyncio's proactor: the host reads and reports chunks; each chunk goes
 * into `_inbox` and a loop callback (`_drain`) hands the inbox to the protocol in order — data,
 * then EOF, then connectionLost — so protocol callbacks are loop callbacks (ordering, exception
 * handler). The transports of one loop that the host reported during one turn of its I/O poll are
 * drained by ONE loop callback, scheduled with callSoon from the host's check phase (setImmediate):
 * the loop wakes once per host I/O turn rather than once per socket event, which is what keeps
 * many busy connections as cheap as plain node:net. With a single live transport (nothing to
 * batch) and in debug mode (so slow-callback reports name the transport) each drain is scheduled
 * with callSoon at once. Invariants: at most one `_drain` is
 * scheduled; nothing reaches the protocol while reading is paused (except connectionLost after a
 * host error, which drops what was not delivered, as asyncio does); after close()/abort()
 * nothing but connectionLost reaches it; connectionLost is called exactly once.
 *
 * Writes go straight to the host stream, which keeps the write buffer: `getWriteBufferSize()` is
 * its `writableLength`. A write that leaves more than the low-water mark asks the host for a
 * completion callback, so a paused protocol always has a pending completion that resumes it.
 */
import { setImmediate } from 'node:timers';
import { NotImplementedError, RuntimeError } from '../../errors.js';
import type { EventLoop } from '../../loop.js';
import { hostError, isConnectionError } from '../../io/errors.js';
import type { Transport } from '../../io/host.js';
import type { ProtocolLike } from '../../io/protocols.js';
import { BaseTransport, toBytes } from '../../io/transports.js';

/** The parts of a Node stream the transport uses (net.Socket, or a child's pipe). */
export interface NodeStream {
  on(event: string, fn: (...a: any[]) => void): unknown;
  once(event: string, fn: (...a: any[]) => void): unknown;
  write?(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  end?(): unknown;
  cork?(): void;
  uncork?(): void;
  pause?(): unknown;
  resume?(): unknown;
  destroy(err?: Error): unknown;
  readonly destroyed: boolean;
  readonly writableLength?: number;
  readonly writableEnded?: boolean;
  readonly writableFinished?: boolean;
}

/** Who owns the transport's lifetime besides its protocol (a Server counts its connections). */
export interface TransportOwner {
  _attach(t: StreamTransport): void;
  _detach(t: StreamTransport): void;
}

const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** The transports of one loop with host events waiting, drained by one loop callback. */
class IoBatch {
  /** Live transports of the loop: with one, batching cannot save a wake-up, so it is skipped. */
  live = 0;
  private _pending: StreamTransport[] = [];
  private _armed = false;
  constructor(private readonly _loop: EventLoop) {}

  add(t: StreamTransport): void {
    this._pending.push(t);
    if (this._armed) return;
    this._armed = true;
    setImmediate(this._arm);
  }

  /** The host's check phase: every socket event of this I/O turn is in; wake the loop once. */
  private readonly _arm = (): void => {
    this._armed = false;
    if (!this._loop.isClosed()) this._loop._soonAlways(this._run);
    else for (const t of this._pending.splice(0)) t._sock.destroy();
  };

  private readonly _run = (): void => {
    const list = this._pending;
    this._pending = [];
    for (const t of list) t._drain();
  };
}
const batches = new WeakMap<EventLoop, IoBatch>();

export class StreamTransport extends BaseTransport implements Transport {
  /** @internal */ _sock: NodeStream;
  private readonly _owner: TransportOwner | null;
  private readonly _readable: boolean;
  private readonly _writable: boolean;
  private readonly _kind: string;
  private _closing = false;
  private _eof = false;
  private _paused = false;
  private _inbox: Array<Uint8Array | undefined> = [];
  private _inHead = 0;
  private _eofPending = false;
  private _hostClosed = false;
  private _error: unknown = null;
  private _drainScheduled = false;
  private _connLost = false;
  private _lostWrites = 0;
  private readonly _batch: IoBatch;

  constructor(
    loop: EventLoop,
    sock: NodeStream,
    protocol: ProtocolLike,
    extra: Record<string, unknown>,
    opts: { owner?: TransportOwner | null; readable?: boolean; writable?: boolean; kind?: string } = {},
  ) {
    super(loop, protocol, extra);
    this._sock = sock;
    this._owner = opts.owner ?? null;
    this._readable = opts.readable ?? true;
    this._writable = opts.writable ?? true;
    this._kind = opts.kind ?? 'SocketTransport';
    if (this._readable) {
      sock.on('data', this._onData);
      sock.on('end', this._onEnd);
    }
    sock.on('error', this._onError);
    sock.on('close', this._onClose);
    let b = batches.get(loop);
    if (b === undefined) batches.set(loop, (b = new IoBatch(loop)));
    this._batch = b;
    b.live++;
    this._owner?._attach(this);
    if (typeof protocol.connectionMade === 'function') loop._soonAlways(this._connectionMade);
  }

  // ---- asyncio.Transport --------------------------------------------------------------------

  write(data: Uint8Array | ArrayBuffer | ArrayBufferView): void {
    const bytes = toBytes(data, 'write');
    if (!this._writable) throw new NotImplementedError(`write() on ${this._kind}: it is read-only`);
    if (this._eof) throw new RuntimeError('Cannot call write() after write_eof()');
    if (bytes.length === 0) return;
    const sock = this._sock;
    if (this._closing || this._connLost || sock.destroyed || sock.writableEnded) {
      if (++this._lostWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn(`${this}: write() after the transport was closed: data dropped`);
      return;
    }
    if ((sock.writableLength ?? 0) + bytes.length > this._low) sock.write!(bytes, this._onWritten);
    else sock.write!(bytes);
    this._maybePauseProtocol();
  }

  writelines(list: Iterable<Uint8Array | ArrayBuffer | ArrayBufferView>): void {
    const all = Array.from(list, (d) => toBytes(d, 'writelines'));
    const sock = this._sock;
    sock.cork?.();
    try {
      for (const b of all) this.write(b);
    } finally {
      sock.uncork?.();
    }
  }

  /** Closes the write side after the buffered data (a FIN); reading goes on. */
  writeEof(): void {
    if (!this._writable) throw new NotImplementedError(`writeEof() on ${this._kind}: it is read-only`);
    if (this._closing || this._eof) return;
    this._eof = true;
    if (!this._sock.destroyed) this._sock.end!();
  }

  canWriteEof(): boolean {
    return this._writable;
  }

  /** Stops reading, flushes the write buffer, then closes; connectionLost(null) follows. */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._dropInbox();
    const sock = this._sock;
    if (sock.destroyed) {
      if (this._hostClosed) this._schedule();
      return;
    }
    if (this._paused && this._readable) sock.resume?.(); // read and discard, so the close is not a reset
    if (!this._writable) {
      sock.destroy();
      return;
    }
    if (!sock.writableEnded) sock.end!();
    if (sock.writableFinished) sock.destroy();
    else sock.once('finish', () => sock.destroy());
  }

  /** Closes at once, dropping the write buffer; connectionLost(null) follows. */
  abort(): void {
    this._closing = true;
    this._dropInbox();
    if (!this._sock.destroyed) this._sock.destroy();
    else if (this._hostClosed) this._schedule();
  }

  isClosing(): boolean {
    return this._closing;
  }

  pauseReading(): void {
    if (this._closing || this._paused) return;
    this._paused = true;
    if (this._readable) this._sock.pause?.();
  }

  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    if (this._readable) this._sock.resume?.();
    if (this._inHead < this._inbox.length || this._eofPending || this._hostClosed) this._schedule();
  }

  isReading(): boolean {
    return !this._paused && !this._closing;
  }

  getWriteBufferSize(): number {
    return this._sock.writableLength ?? 0;
  }

  override toString(): string {
    const info = [this._kind];
    const peer = this._extra.peername;
    if (peer !== undefined && peer !== '') info.push(`peername=${Array.isArray(peer) ? `${peer[0]}:${peer[1]}` : String(peer)}`);
    if (this._connLost) info.push('closed');
    else if (this._closing) info.push('closing');
    if (this._paused) info.push('paused');
    if (this._writable) info.push(`bufsize=${this.getWriteBufferSize()}`);
    return `<${info.join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- host events → loop callbacks ---------------------------------------------------------

  private readonly _connectionMade = (): void => {
    if (!this._connLost) this._protocol.connectionMade!(this);
  };

  private readonly _onData = (chunk: Uint8Array): void => {
    if (this._closing) return;
    this._inbox.push(chunk);
    this._schedule();
  };

  private readonly _onEnd = (): void => {
    this._eofPending = true;
    this._schedule();
  };

  private readonly _onError = (err: unknown): void => {
    const exc = hostError(err);
    if (this._error === null) this._error = exc;
    if (!isConnectionError(exc) && !this._loop.isClosed())
      this._loop.callExceptionHandler({ message: `Fatal error on ${this._kind}`, exception: exc, transport: this, protocol: this._protocol });
  };

  private readonly _onClose = (): void => {
    this._hostClosed = true;
    this._schedule();
  };

  private readonly _onWritten = (err?: Error | null): void => {
    if (!err) this._maybeResumeProtocol();
  };

  private _schedule(): void {
    if (this._drainScheduled || this._connLost) return;
    if (this._loop.isClosed()) {
      // nobody is left to tell: release the host resource
      if (!this._sock.destroyed) this._sock.destroy();
      return;
    }
    this._drainScheduled = true;
    const loop = this._loop;
    if (this._batch.live > 1 && !loop.getDebug()) this._batch.add(this);
    else loop._soonAlways(this._drain);
  }

  /** @internal Delivers what the host reported, in order (a loop callback, or part of the I/O batch's). */
  readonly _drain = (): void => {
    this._drainScheduled = false;
    if (this._connLost) return;
    const p = this._protocol;
    if (!this._closing) {
      const inbox = this._inbox;
      while (!this._paused && this._inHead < inbox.length) {
        const chunk = inbox[this._inHead]!;
        inbox[this._inHead++] = undefined;
        try {
          p.dataReceived?.(chunk);
        } catch (e) {
          this._fatalProtocolError(e, 'Fatal error: protocol.dataReceived() call failed.');
          return;
        }
        if (this._closing) break;
      }
      if (this._inHead === inbox.length && this._inHead > 0) {
        this._inbox = [];
        this._inHead = 0;
      }
      if (this._eofPending && !this._closing && !this._paused && this._inHead === this._inbox.length) {
        this._eofPending = false;
        let keepOpen: unknown;
        try {
          keepOpen = p.eofReceived?.();
        } catch (e) {
          this._fatalProtocolError(e, 'Fatal error: protocol.eofReceived() call failed.');
          return;
        }
        if (!keepOpen) this.close();
      }
    }
    if (!this._hostClosed) return;
    const delivered = this._inHead === this._inbox.length && !this._eofPending;
    if (this._closing || this._error !== null || (delivered && !this._paused)) this._lose(this._error);
  };

  private _fatalProtocolError(e: unknown, message: string): void {
    this._reportFatal(e, message);
    this._closing = true;
    this._dropInbox();
    if (this._error === null) this._error = e;
    if (!this._sock.destroyed) this._sock.destroy();
  }

  private _dropInbox(): void {
    this._inbox = [];
    this._inHead = 0;
    this._eofPending = false;
  }

  /** connectionLost, exactly once; then the owner forgets the transport. */
  private _lose(exc: unknown): void {
    this._connLost = true;
    this._batch.live--;
    this._closing = true;
    this._dropInbox();
    try {
      this._protocol.connectionLost?.(exc);
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'Exception in protocol.connectionLost()', exception, transport: this, protocol: this._protocol });
    } finally {
      this._owner?._detach(this);
    }
  }
}
