/**
 * Transports — what every wasmloop transport shares, whatever the host: extra info, the protocol
 * it talks to, and write flow control (asyncio's _FlowControlMixin).
 *
 * Flow control: when the write buffer grows above the high-water mark the protocol's
 * `pauseWriting()` is called (inline, from `write()`, as asyncio does); when the host reports that
 * the buffer fell to the low-water mark or below, `resumeWriting()` is called as a loop callback.
 * Invariant: the two alternate, starting with pause, and `_protocolPaused` says which came last.
 * Defaults are asyncio's: high 64 KiB, low high/4.
 */
import { describe } from '../errors.js';
import type { EventLoop } from '../loop.js';
import type { ProtocolLike } from './protocols.js';

/** The bytes of `data` (a Uint8Array, ArrayBuffer or other ArrayBufferView) without copying; TypeError otherwise. */
export function toBytes(data: unknown, method: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string')
    throw new TypeError(`${method}() data must be a bytes-like object (Uint8Array, ArrayBuffer), not a string: encode it first, e.g. new TextEncoder().encode(s)`);
  throw new TypeError(`${method}() data must be a bytes-like object (Uint8Array, ArrayBuffer), got ${describe(data)}`);
}

/** Joins byte chunks into one Uint8Array (the chunk itself when there is only one). */
export function concatBytes(chunks: readonly Uint8Array[], total = -1): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  if (total < 0) {
    total = 0;
    for (const c of chunks) total += c.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function checkProtocolFactory(f: unknown, method: string): asserts f is () => unknown {
  if (typeof f !== 'function') throw new TypeError(`${method}() protocolFactory must be a callable returning a protocol, got ${describe(f)}`);
}

/** asyncio's write-buffer limits: `high` defaults to 64 KiB (or 4 × low), `low` to high / 4. */
export function writeBufferLimits(high: unknown, low: unknown): [number, number] {
  for (const [v, what] of [
    [high, 'high'],
    [low, 'low'],
  ] as const)
    if (v !== undefined && v !== null && (typeof v !== 'number' || v !== v)) throw new TypeError(`setWriteBufferLimits() ${what} must be a number of bytes, got ${describe(v)}`);
  let h = high as number | undefined | null;
  let l = low as number | undefined | null;
  if (h === undefined || h === null) h = l === undefined || l === null ? 64 * 1024 : 4 * l;
  if (l === undefined || l === null) l = Math.floor(h / 4);
  if (!(h >= l && l >= 0)) throw new RangeError(`high (${h}) must be >= low (${l}) must be >= 0`);
  return [h, l];
}

/** The base of every transport: extra info, the protocol, write flow control. */
export abstract class BaseTransport {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _protocol: ProtocolLike;
  /** @internal */ _extra: Record<string, unknown>;
  /** @internal */ _high = 64 * 1024;
  /** @internal */ _low = 16 * 1024;
  /** @internal */ _protocolPaused = false;
  private _resumeCheckPending = false;
  private readonly _resumeCheck = (): void => {
    this._resumeCheckPending = false;
    if (!this._protocolPaused || this.getWriteBufferSize() > this._low) return;
    this._protocolPaused = false;
    try {
      this._protocol.resumeWriting?.();
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception, transport: this, protocol: this._protocol });
    }
  };

  constructor(loop: EventLoop, protocol: ProtocolLike, extra: Record<string, unknown>) {
    this._loop = loop;
    this._protocol = protocol;
    this._extra = extra;
  }

  /** Bytes written but not yet handed to the host's socket or pipe. */
  abstract getWriteBufferSize(): number;

  /** Optional transport information: 'peername', 'sockname', 'socket', … (`dflt` when absent). */
  getExtraInfo(name: string, dflt: unknown = undefined): unknown {
    return Object.prototype.hasOwnProperty.call(this._extra, name) ? this._extra[name] : dflt;
  }

  getProtocol(): ProtocolLike {
    return this._protocol;
  }

  setProtocol(protocol: ProtocolLike): void {
    if (protocol === null || typeof protocol !== 'object') throw new TypeError(`setProtocol() needs a protocol object, got ${describe(protocol)}`);
    this._protocol = protocol;
  }

  /** Sets the high- and low-water marks of the write buffer (asyncio's defaults and checks). */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    [this._high, this._low] = writeBufferLimits(high, low);
    this._maybePauseProtocol();
  }

  /** [low, high], as asyncio returns them. */
  getWriteBufferLimits(): [number, number] {
    return [this._low, this._high];
  }

  /** @internal after a write: pause the protocol when the buffer is above the high-water mark */
  _maybePauseProtocol(): void {
    if (this._protocolPaused || this.getWriteBufferSize() <= this._high) return;
    this._protocolPaused = true;
    try {
      this._protocol.pauseWriting?.();
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception, transport: this, protocol: this._protocol });
    }
  }

  /** @internal the host flushed some bytes: resume the protocol (as a loop callback) once at or below the low-water mark */
  _maybeResumeProtocol(): void {
    if (!this._protocolPaused || this._resumeCheckPending || this.getWriteBufferSize() > this._low || this._loop.isClosed()) return;
    this._resumeCheckPending = true;
    this._loop._soonAlways(this._resumeCheck);
  }

  /** @internal a protocol callback that failed: report it as asyncio's _fatal_error does */
  _reportFatal(exception: unknown, message: string): void {
    this._loop.callExceptionHandler({ message, exception, transport: this, protocol: this._protocol });
  }
}
