/**
 * Streams — asyncio.streams over any wasmloop transport: StreamReader (buffered reads with
 * `read`, `readline`, `readuntil`, `readexactly`, async iteration), StreamWriter (writes and
 * `drain()` backpressure), and the protocols between them (StreamReaderProtocol, with
 * FlowControlProtocol for drain).
 *
 * StreamReader's buffer is a queue of received chunks (`_chunks` from index `_first`, with `_head`
 * bytes of the first already consumed, `_size` bytes in all); a read that takes whole chunks or
 * part of one copies nothing. A separator search needs the bytes contiguous: they are joined into
 * a growable buffer the reader owns (`_owned`, with spare capacity), to which later chunks are
 * appended in place, so a line assembled from many small chunks costs amortised O(1) per byte,
 * and each search starts where the last one stopped (asyncio's `offset`): every byte is copied a
 * bounded number of times and scanned once. Only bytes past the owned buffer's end are ever
 * written, so what was handed out never changes; a part of it handed out is a copy (so a short line
 * does not keep a large buffer alive), the whole of it is handed out as it is and let go.
 *
 * Reads return Futures (awaitable and `yield*`-able). At most one read waits at a time (asyncio's
 * rule). As in asyncio, `feedData`/`feedEof`/`setException` only wake the waiting read: it runs
 * again in a loop callback, after whatever else the current callback feeds, so a read sees what
 * asyncio's would. When more than 2 × limit bytes are buffered the transport is paused; reads
 * resume it at limit or below, and a read that has to wait for more data resumes it at once (else
 * `readexactly(n)` with n > 2 × limit would wait for ever, as asyncio's `_wait_for_data` says).
 */
import { RuntimeError, NotImplementedError, describe } from '../errors.js';
import { isMemoryExhausted } from '../core/types.js';
import { Future } from '../futures.js';
import type { EventLoop } from '../loop.js';
import { getEventLoop, getRunningLoop } from '../events.js';
import { isGenerator, isThenable } from '../tasks.js';
import { ConnectionResetError, IncompleteReadError, LimitOverrunError } from './errors.js';
import type { ConnectionOptions, Server, ServerOptions, Transport, UnixServerOptions } from './host.js';
import { concatBytes, toBytes } from './transports.js';

/** asyncio's default stream limit: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;

const EMPTY: Uint8Array = new Uint8Array(0);
const NEWLINE = new Uint8Array([10]);
const WAIT: unique symbol = Symbol('wait');
const AsyncFunction = (async () => {}).constructor;

/** What a StreamReader needs from its transport. */
interface ReadingTransport {
  pauseReading(): void;
  resumeReading(): void;
}

/** What a StreamWriter needs from its transport. */
export type WritingTransport = Pick<Transport, 'write' | 'writelines' | 'writeEof' | 'canWriteEof' | 'close' | 'isClosing' | 'getExtraInfo'>;

function settled<T>(loop: EventLoop, fn: () => T): Future<T> {
  const f = new Future<T>({ loop });
  try {
    f.setResult(fn());
  } catch (e) {
    f.setException(e);
  }
  return f;
}

/** Completes `dst` as `src` completes (unless `dst` was cancelled meanwhile). */
function chain<T>(src: Future<T>, dst: Future<T>): void {
  src.addDoneCallback(() => {
    if (dst.done()) return;
    if (src.cancelled()) dst.cancel();
    else {
      const exc = src.exception();
      if (exc !== null) dst.setException(exc);
      else dst.setResult(src.result());
    }
  });
}

function indexOf(buf: Uint8Array, sep: Uint8Array, from: number): number {
  const first = sep[0]!;
  const n = sep.length;
  const last = buf.length - n;
  for (let i = buf.indexOf(first, from); i !== -1 && i <= last; i = buf.indexOf(first, i + 1)) {
    let k = 1;
    while (k < n && buf[i + k] === sep[k]) k++;
    if (k === n) return i;
  }
  return -1;
}

/** Options of `new StreamReader()` (asyncio's `limit` and `loop` arguments). */
export interface StreamReaderOptions {
  /** Most bytes readline/readuntil look through for a separator (default 64 KiB). */
  limit?: number;
  /** The loop (default: the current one, as `getEventLoop()` gives it). */
  loop?: EventLoop;
}

export function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit)) throw new TypeError(`limit must be an integer number of bytes, got ${describe(limit)}`);
  if (limit <= 0) throw new RangeError('Limit cannot be <= 0');
  return limit;
}

/** A separator for readuntil(): bytes, or (Python 3.13's tuple) an array of them. */
/** What `readuntil` looks for: bytes (one separator, or an array of them). asyncio: the `separator` of `StreamReader.readuntil`. */
export type Separator = Uint8Array | ArrayBuffer | ArrayBufferView;

/** readuntil()'s separators, shortest first (of equal ends, the shorter one matched, as in 3.13). */
function separators(separator: unknown): Uint8Array[] {
  const list = Array.isArray(separator) ? separator : [separator];
  const seps = list.map((s) => toBytes(s, 'readuntil').slice());
  if (seps.length === 0) throw new RangeError('Separator should contain at least one element');
  seps.sort((a, b) => a.length - b.length);
  if (seps[0]!.length === 0) throw new RangeError('Separator should be at least one-byte string');
  return seps;
}

/** asyncio.StreamReader. */
export class StreamReader {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _limit: number;
  private _chunks: Uint8Array[] = [];
  private _first = 0;
  private _head = 0;
  private _size = 0;
  /** The first chunk is a buffer the reader made (joined chunks), with room to append after it. */
  private _owned = false;
  private _eof = false;
  private _waiter: Future<any> | null = null;
  private _retry: (() => void) | null = null;
  private _exception: unknown = null;
  private _transport: ReadingTransport | null = null;
  private _paused = false;

  constructor(opts: StreamReaderOptions = {}) {
    this._limit = checkLimit(opts.limit);
    this._loop = opts.loop ?? getEventLoop();
  }

  /** Bytes buffered and not yet read. */
  get bufferedSize(): number {
    return this._size;
  }

  /** The exception set with setException, else null. asyncio: `StreamReader.exception`. */
  exception(): unknown {
    return this._exception;
  }

  /** Every pending and later read fails with `exc`. asyncio: `StreamReader.set_exception`. */
  setException(exc: unknown): void {
    this._exception = exc;
    this._wakeup();
  }

  /**
   * Attaches the transport whose reading the reader pauses and resumes (done by StreamReaderProtocol);
   * RuntimeError if one is set already. asyncio: `StreamReader.set_transport`.
   */
  setTransport(transport: ReadingTransport): void {
    if (this._transport !== null) throw new RuntimeError('Transport already set');
    this._transport = transport;
  }

  /**
   * Marks the end of the data: reads return what is buffered, then the end. asyncio:
   * `StreamReader.feed_eof`.
   */
  feedEof(): void {
    this._eof = true;
    this._wakeup();
  }

  /** True when the buffer is empty and EOF was fed. asyncio: `StreamReader.at_eof`. */
  atEof(): boolean {
    return this._eof && this._size === 0;
  }

  /**
   * Appends received bytes. The reader keeps `data` as it is (no copy): do not change it afterwards.
   * asyncio: `StreamReader.feed_data`.
   */
  feedData(data: Uint8Array | ArrayBuffer | ArrayBufferView): void {
    if (this._eof) throw new RuntimeError('feedData() after feedEof()');
    const bytes = toBytes(data, 'feedData');
    if (bytes.length === 0) return;
    this._chunks.push(bytes);
    this._size += bytes.length;
    this._wakeup();
    if (this._transport !== null && !this._paused && this._size > 2 * this._limit) {
      try {
        this._transport.pauseReading();
        this._paused = true;
      } catch (e) {
        if (!(e instanceof NotImplementedError)) throw e;
        this._transport = null;
      }
    }
  }

  /**
   * Up to `n` bytes (all of them until EOF when n < 0); an empty array at EOF. asyncio:
   * `StreamReader.read`.
   */
  read(n = -1): Future<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`read() n must be an integer, got ${describe(n)}`);
    if (n === 0) return settled(this._loop, () => this._check(EMPTY));
    if (n < 0) {
      const blocks: Uint8Array[] = [];
      return this._op('read', () => {
        if (this._size > 0) {
          blocks.push(this._take(this._size));
          this._maybeResumeTransport();
        }
        return this._eof ? concatBytes(blocks.length ? blocks : [EMPTY]) : WAIT;
      });
    }
    return this._op('read', () => {
      if (this._size === 0 && !this._eof) return WAIT;
      const data = this._take(Math.min(n, this._size));
      this._maybeResumeTransport();
      return data;
    });
  }

  /**
   * One line, ending with '\n'; at EOF the partial last line (empty when nothing is left). Past the
   * limit: RangeError (asyncio's ValueError), the line dropped as asyncio drops it — up to and with
   * its '\n' when one was found, else everything buffered.
   */
  readline(): Future<Uint8Array> {
    const until = this._untilStep([NEWLINE]);
    return this._op('readline', () => {
      try {
        return until();
      } catch (e) {
        if (e instanceof IncompleteReadError) return e.partial;
        if (e instanceof LimitOverrunError) {
          if (this._size > e.consumed && this._contiguous()[e.consumed] === 10) this._take(e.consumed + 1);
          else this._take(this._size);
          this._maybeResumeTransport();
          throw new RangeError(e.message, { cause: e });
        }
        throw e;
      }
    });
  }

  /**
   * Bytes up to and including `separator`; IncompleteReadError at EOF, LimitOverrunError past the
   * limit (the data stays buffered). An array of separators (Python 3.13's tuple): the shortest
   * result that ends with any of them.
   */
  readuntil(separator: Separator | readonly Separator[] = NEWLINE): Future<Uint8Array> {
    return this._op('readuntil', this._untilStep(separators(separator)));
  }

  /**
   * Exactly `n` bytes; IncompleteReadError (with what was read) when EOF comes first. asyncio:
   * `StreamReader.readexactly`.
   */
  readexactly(n: number): Future<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`readexactly() n must be an integer, got ${describe(n)}`);
    if (n < 0) throw new RangeError('readexactly size can not be less than zero');
    if (n === 0) return settled(this._loop, () => this._check(EMPTY));
    return this._op('readexactly', () => {
      if (this._size >= n) {
        const data = this._take(n);
        this._maybeResumeTransport();
        return data;
      }
      if (this._eof) throw new IncompleteReadError(this._take(this._size), n);
      return WAIT;
    });
  }

  /** `for await (const line of reader)`: each line until EOF. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /** The reader's repr, as asyncio's: `<StreamReader 5 bytes eof>`. */
  toString(): string {
    const info = ['StreamReader'];
    if (this._size) info.push(`${this._size} bytes`);
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter) info.push('waiter');
    if (this._exception) info.push(`exception=${String(this._exception)}`);
    if (this._paused) info.push('paused');
    return `<${info.join(' ')}>`;
  }

  // ---- internals ----------------------------------------------------------------------------

  private _check<T>(v: T): T {
    if (this._exception !== null) throw this._exception;
    return v;
  }

  /** A read: `step` returns its value, throws, or returns WAIT to be retried when data comes. */
  private _op<T>(name: string, step: () => T | typeof WAIT): Future<T> {
    const fut = new Future<T>({ loop: this._loop });
    const attempt = (): void => {
      if (fut.done()) return; // cancelled while it waited
      let r: T | typeof WAIT;
      try {
        if (this._exception !== null) throw this._exception;
        r = step();
      } catch (e) {
        fut.setException(e);
        return;
      }
      if (r !== WAIT) {
        fut.setResult(r);
        return;
      }
      const w = this._waiter;
      if (w !== null && w !== fut && !w.done()) {
        fut.setException(new RuntimeError(`${name}() called while another coroutine is already waiting for incoming data`));
        return;
      }
      // waiting while paused would wait for ever (readexactly(n) with n > 2 × limit): resume
      if (this._paused) {
        this._paused = false;
        this._transport?.resumeReading();
      }
      this._waiter = fut;
      this._retry = attempt;
    };
    attempt();
    return fut;
  }

  /** Wakes the waiting read: it runs again in a loop callback, as asyncio's waiter wakes its task. */
  private _wakeup(): void {
    const retry = this._retry;
    if (retry === null || this._loop.isClosed()) return;
    this._retry = null;
    this._waiter = null;
    // never refused: with the core full the wake-up waits for a slot (loop.ts `_soonAlways`), as
    // nothing else may come to wake this read again (the data or EOF that woke it has arrived)
    this._loop._soonAlways(retry);
  }

  private _untilStep(seps: Uint8Array[]): () => Uint8Array | typeof WAIT {
    const minLen = seps[0]!.length;
    const maxLen = seps[seps.length - 1]!.length;
    // bytes at the front known to hold no separator: each search starts there (asyncio's offset)
    let offset = 0;
    return () => {
      let start = -1;
      let end = -1;
      const size = this._size;
      if (size - offset >= minLen) {
        const buf = this._contiguous();
        for (const sep of seps) {
          const i = indexOf(buf, sep, offset);
          if (i !== -1 && (end === -1 || i + sep.length < end)) {
            start = i;
            end = i + sep.length;
          }
        }
        if (end === -1) {
          offset = Math.max(0, size + 1 - maxLen);
          if (offset > this._limit) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
        }
      }
      if (end === -1) {
        if (this._eof) throw new IncompleteReadError(this._take(this._size), null);
        return WAIT;
      }
      if (start > this._limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', start);
      const chunk = this._take(end);
      this._maybeResumeTransport();
      return chunk;
    };
  }

  /**
   * The whole buffer as one contiguous view. Several chunks are joined into a buffer the reader
   * owns, with room to spare: later joins append to it in place (amortised O(1) per byte). Only
   * bytes past its end are ever written, so views of it handed out stay as they were.
   */
  private _contiguous(): Uint8Array {
    const chunks = this._chunks;
    const first = this._first;
    const count = chunks.length - first;
    if (count === 0) return EMPTY;
    let base = chunks[first]!;
    if (this._head > 0) {
      base = base.subarray(this._head);
      chunks[first] = base;
      this._head = 0;
    }
    if (count === 1) return base;
    const total = this._size;
    let out: Uint8Array;
    let at: number;
    if (this._owned && base.byteOffset + total <= base.buffer.byteLength) {
      out = new Uint8Array(base.buffer, base.byteOffset, total);
      at = base.length;
    } else {
      out = new Uint8Array(new ArrayBuffer(Math.max(2 * total, 4096)), 0, total);
      out.set(base, 0);
      at = base.length;
    }
    for (let k = first + 1; k < chunks.length; k++) {
      out.set(chunks[k]!, at);
      at += chunks[k]!.length;
    }
    this._chunks = [out];
    this._first = 0;
    this._owned = true;
    return out;
  }

  /** Removes and returns the first `n` bytes (n <= _size). */
  private _take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const chunks = this._chunks;
    const first = chunks[this._first]!;
    const avail = first.length - this._head;
    this._size -= n;
    if (n < avail) {
      const at = this._head;
      this._head += n;
      // a part of the reader's own buffer is copied, so that it does not hold the whole buffer alive
      return this._owned ? first.slice(at, at + n) : first.subarray(at, at + n);
    }
    if (n === avail) {
      const out = this._head === 0 ? first : first.subarray(this._head);
      this._dropFirst();
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = chunks[this._first]!;
      const take = Math.min(c.length - this._head, n - at);
      out.set(c.subarray(this._head, this._head + take), at);
      at += take;
      if (this._head + take === c.length) this._dropFirst();
      else this._head += take;
    }
    return out;
  }

  /** Forgets the first chunk (an index moves: no Array.shift over a long list of small chunks). */
  private _dropFirst(): void {
    const chunks = this._chunks;
    chunks[this._first++] = EMPTY;
    this._head = 0;
    this._owned = false;
    if (this._first === chunks.length) {
      chunks.length = 0;
      this._first = 0;
    } else if (this._first > 1024 && this._first * 2 > chunks.length) {
      chunks.splice(0, this._first);
      this._first = 0;
    }
  }

  private _maybeResumeTransport(): void {
    if (this._paused && this._size <= this._limit) {
      this._paused = false;
      this._transport?.resumeReading();
    }
  }
}

/** asyncio's FlowControlMixin: turns pauseWriting/resumeWriting into `drain()` waits. */
export class FlowControlProtocol {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _paused = false;
  /** @internal */ _connectionLost = false;
  private _drainWaiters: Array<Future<void>> = [];

  constructor(loop?: EventLoop) {
    this._loop = loop ?? getEventLoop();
  }

  /** The transport's buffer is full: drain() waits from now on. asyncio: `BaseProtocol.pause_writing`. */
  pauseWriting(): void {
    this._paused = true;
  }

  /**
   * The transport's buffer drained: the drain() waiters are released. asyncio:
   * `BaseProtocol.resume_writing`.
   */
  resumeWriting(): void {
    this._paused = false;
    for (const w of this._drainWaiters.splice(0)) if (!w.done()) w.setResult();
  }

  /**
   * The connection is gone: drain() waiters are released, or fail with `exc`. asyncio:
   * `BaseProtocol.connection_lost`.
   */
  connectionLost(exc: unknown): void {
    this._connectionLost = true;
    if (!this._paused) return;
    for (const w of this._drainWaiters.splice(0))
      if (!w.done()) {
        if (exc === null || exc === undefined) w.setResult();
        else w.setException(exc);
      }
  }

  /** @internal done at once unless writing is paused; fails once the connection is lost */
  _drainHelper(): Future<void> {
    if (this._connectionLost) return settled<void>(this._loop, () => {
      throw new ConnectionResetError(null, 'Connection lost');
    });
    if (!this._paused) return settled<void>(this._loop, () => undefined);
    const w = new Future<void>({ loop: this._loop });
    this._drainWaiters.push(w);
    return w;
  }
}

/**
 * What `startServer` calls for each connection: `(reader, writer)`; a coroutine (generator, or a
 * promise from an async function) it returns runs as a task (asyncio's `client_connected_cb`).
 */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => unknown;

/** asyncio.StreamReaderProtocol: feeds a StreamReader; on a server, calls the client-connected callback. */
export class StreamReaderProtocol extends FlowControlProtocol {
  /** @internal */ _streamReader: StreamReader | null;
  /** @internal */ _streamWriter: StreamWriter | null = null;
  /** @internal */ _transport: (WritingTransport & ReadingTransport) | null = null;
  /** @internal */ _task: Future<unknown> | null = null;
  private readonly _clientConnectedCb: ClientConnectedCallback | null;
  private readonly _closed: Future<void>;

  constructor(streamReader: StreamReader, clientConnectedCb: ClientConnectedCallback | null = null, loop?: EventLoop) {
    super(loop ?? streamReader._loop);
    this._streamReader = streamReader;
    this._clientConnectedCb = clientConnectedCb;
    this._closed = new Future<void>({ loop: this._loop });
  }

  /**
   * Wires the reader and, on a server, makes the writer and starts the client-connected callback.
   * asyncio: `StreamReaderProtocol.connection_made`.
   */
  connectionMade(transport: WritingTransport & ReadingTransport): void {
    this._transport = transport;
    const reader = this._streamReader;
    if (reader !== null) reader.setTransport(transport);
    const cb = this._clientConnectedCb;
    if (cb === null || reader === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this._streamWriter = writer;
    // an async function runs as a task from its first line (the task calls it), as asyncio wraps
    // the coroutine: currentTask(), its ContextVars and timeout() work inside it
    let res: unknown;
    if (cb.constructor === AsyncFunction) res = () => cb(reader, writer);
    else {
      res = cb(reader, writer);
      if (!isGenerator(res) && !isThenable(res)) return;
    }
    this._startClient(res as Generator<unknown, unknown, unknown>, transport);
  }

  /**
   * Runs the client-connected coroutine as a task. A host event has nobody to tell of a full core:
   * a refused task is tried again from a callback that waits for a slot (loop.ts `_soonAlways`),
   * so the connection is never left without its handler.
   */
  private _startClient(coro: Generator<unknown, unknown, unknown>, transport: WritingTransport & ReadingTransport): void {
    let task;
    try {
      // a refused task closes what it was given: a generator goes in a wrapper of its own, so the
      // retry still has the client's generator unstarted
      task = this._loop.createTask(isGenerator(coro) ? delegate(coro) : coro);
    } catch (e) {
      if (!isMemoryExhausted(e) || this._loop.isClosed()) throw e;
      this._loop._soonAlways(() => this._startClient(coro, transport));
      return;
    }
    this._task = task;
    task.addDoneCallback((t) => {
      if (t.cancelled()) {
        transport.close();
        return;
      }
      const exception = t.exception();
      if (t._hasException) {
        this._loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception, transport });
        transport.close();
      }
    });
  }

  /**
   * Feeds EOF to the reader (or `exc` as its exception) and settles the close waiter. asyncio:
   * `StreamReaderProtocol.connection_lost`.
   */
  override connectionLost(exc: unknown): void {
    const reader = this._streamReader;
    if (reader !== null) {
      if (exc === null || exc === undefined) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null || exc === undefined) this._closed.setResult();
      else {
        this._closed.setException(exc);
        // waitClosed() is optional: nobody awaiting it is no lost error (asyncio retrieves it in __del__)
        this._closed._markRetrieved();
      }
    }
    super.connectionLost(exc);
    this._streamReader = null;
    this._streamWriter = null;
    this._task = null;
    this._transport = null;
  }

  /** Feeds the bytes to the reader. asyncio: `StreamReaderProtocol.data_received`. */
  dataReceived(data: Uint8Array): void {
    this._streamReader?.feedData(data);
  }

  /** Keeps the transport open for writing after the peer's EOF (the writer decides when to close). */
  eofReceived(): boolean {
    this._streamReader?.feedEof();
    return true;
  }

  /** @internal */ _getCloseWaiter(_writer?: StreamWriter): Future<void> {
    return this._closed;
  }
}

/** What a StreamWriter needs from its protocol (StreamReaderProtocol, or a subprocess's stream protocol). */
export interface WriterProtocol {
  /** @internal */
  _drainHelper(): Future<void>;
  /** @internal */
  _getCloseWaiter(writer: StreamWriter): Future<void>;
}

/** asyncio.StreamWriter: writes to a transport; `drain()` waits while its buffer is above the high-water mark. */
export class StreamWriter {
  /** @internal */ _transport: WritingTransport;
  /** @internal */ _protocol: WriterProtocol;
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _loop: EventLoop;

  constructor(transport: WritingTransport, protocol: WriterProtocol, reader: StreamReader | null, loop: EventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The underlying transport. asyncio: `StreamWriter.transport`. */
  get transport(): WritingTransport {
    return this._transport;
  }

  /**
   * Writes `data` to the transport without waiting; follow with `drain()` for flow control. asyncio:
   * `StreamWriter.write`.
   */
  write(data: Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this._transport.write(data);
  }

  /** Writes each piece in order. asyncio: `StreamWriter.writelines`. */
  writelines(list: Iterable<Uint8Array | ArrayBuffer | ArrayBufferView>): void {
    this._transport.writelines(list);
  }

  /** Closes the write end after the buffered data (a half-close). asyncio: `StreamWriter.write_eof`. */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** Whether writeEof() is supported. asyncio: `StreamWriter.can_write_eof`. */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the transport; `waitClosed()` tells when it is closed. asyncio: `StreamWriter.close`. */
  close(): void {
    this._transport.close();
  }

  /** Whether close() was called or the connection was lost. asyncio: `StreamWriter.is_closing`. */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /**
   * Done when the connection is closed (fails with the error that closed it, if any). asyncio:
   * `StreamWriter.wait_closed`.
   */
  waitClosed(): Future<void> {
    return this._protocol._getCloseWaiter(this);
  }

  /**
   * Transport details by name ('peername', 'sockname', …), or `dflt`. asyncio:
   * `StreamWriter.get_extra_info`.
   */
  getExtraInfo(name: string, dflt: unknown = undefined): unknown {
    return this._transport.getExtraInfo(name, dflt);
  }

  /**
   * Waits until the write buffer is at the low-water mark or below; fails if the connection is lost.
   * asyncio: `StreamWriter.drain`.
   */
  drain(): Future<void> {
    const exc = this._reader?.exception();
    if (exc !== null && exc !== undefined) return settled<void>(this._loop, () => {
      throw exc;
    });
    if (!this._transport.isClosing()) return this._protocol._drainHelper();
    // closing: give connectionLost one iteration to run first (asyncio's sleep(0))
    const out = new Future<void>({ loop: this._loop });
    this._loop.callSoon(() => {
      if (!out.done()) chain(this._protocol._drainHelper(), out);
    });
    return out;
  }

  /** The writer's repr, as asyncio's: `<StreamWriter transport=… reader=…>`. */
  toString(): string {
    return `<StreamWriter transport=${String(this._transport)}${this._reader ? ` reader=${this._reader}` : ''}>`;
  }
}

// ---- asyncio.open_connection / start_server and their Unix forms ------------------------------

/** Options of the stream functions (asyncio's `limit` argument). */
export interface StreamOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
}

/** A Future settled from `src` through `fn`; cancelling it cancels `src`. */
export function mapFuture<S, T>(loop: EventLoop, src: Future<S>, fn: (v: S) => T): Future<T> {
  const out = new Future<T>({ loop });
  src.addDoneCallback(() => {
    if (out.done()) return;
    if (src.cancelled()) return void out.cancel();
    const exc = src.exception();
    if (exc !== null) return void out.setException(exc);
    try {
      out.setResult(fn(src.result()));
    } catch (e) {
      out.setException(e);
    }
  });
  out.addDoneCallback(() => {
    if (out.cancelled()) src.cancel();
  });
  return out;
}

/** A StreamReader/StreamWriter pair over the transport `connect` makes with a StreamReaderProtocol. */
export function streamPair(loop: EventLoop, limit: number | undefined, connect: (factory: () => StreamReaderProtocol) => Future<[Transport, StreamReaderProtocol]>): Future<[StreamReader, StreamWriter]> {
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  return mapFuture(loop, connect(() => protocol), ([transport]) => [reader, new StreamWriter(transport, protocol, reader, loop)]);
}

function checkClientConnected(cb: unknown, method: string): void {
  if (typeof cb !== 'function') throw new TypeError(`${method}() clientConnected must be a callable (reader, writer) => …, got ${describe(cb)}`);
}

function runningLoop(): EventLoop {
  return getRunningLoop();
}

/** asyncio.open_connection: a TCP connection as a [StreamReader, StreamWriter] pair. */
export function openConnection(host: string, port: number, opts: StreamOptions & ConnectionOptions = {}): Future<[StreamReader, StreamWriter]> {
  const loop = runningLoop();
  const { limit, ...rest } = opts;
  checkLimit(limit);
  return streamPair(loop, limit, (f) => loop.createConnection(f, host, port, rest));
}

/** asyncio.start_server: `clientConnected(reader, writer)` for each connection; a coroutine result runs as a task. */
export function startServer(clientConnected: ClientConnectedCallback, host: string | string[] | null | undefined, port: number, opts: StreamOptions & ServerOptions = {}): Future<Server> {
  const loop = runningLoop();
  checkClientConnected(clientConnected, 'startServer');
  const { limit, ...rest } = opts;
  checkLimit(limit);
  return loop.createServer(() => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop), host, port, rest);
}

/**
 * asyncio.open_unix_connection: a connection to the Unix socket at `path` as a [StreamReader,
 * StreamWriter] pair; OSError if it cannot connect. Uses the running loop (RuntimeError without one).
 */
export function openUnixConnection(path: string, opts: StreamOptions = {}): Future<[StreamReader, StreamWriter]> {
  const loop = runningLoop();
  checkLimit(opts.limit);
  return streamPair(loop, opts.limit, (f) => loop.createUnixConnection(f, path));
}

/**
 * asyncio.start_unix_server: `clientConnected(reader, writer)` for each connection to the Unix socket
 * at `path`; gives the Server. Uses the running loop (RuntimeError without one).
 */
export function startUnixServer(clientConnected: ClientConnectedCallback, path: string, opts: StreamOptions & UnixServerOptions = {}): Future<Server> {
  const loop = runningLoop();
  checkClientConnected(clientConnected, 'startUnixServer');
  const { limit, ...rest } = opts;
  checkLimit(limit);
  return loop.createUnixServer(() => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop), path, rest);
}

/** A generator that runs `g` to its end: closing it before its first step leaves `g` untouched. */
function* delegate<T>(g: Generator<unknown, T, unknown>): Generator<unknown, T, unknown> {
  return yield* g;
}
