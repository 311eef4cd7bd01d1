/**
 * A structured-clone codec to and from bytes, so that the arguments of a cross-thread submission
 * can travel inside the inbox's shared memory (a thread blocked in Atomics.wait receives no
 * messages, and browsers have no synchronous way to read a MessagePort).
 *
 * It keeps what structured clone keeps: undefined, null, booleans, numbers (-0 and NaN included),
 * bigints, strings (any UTF-16, lone surrogates included), arrays (holes included), plain objects
 * (own enumerable string keys; class instances arrive as plain objects, as with structuredClone),
 * Date, RegExp, Map, Set, ArrayBuffer (resizable ones stay resizable), typed arrays and DataView
 * (sharing a buffer stays shared), arrays' own non-index properties (a match result's `index`),
 * Error (name, message, stack, cause; any name, not just the standard ones), Boolean/Number/
 * String/BigInt wrapper objects, and shared and cyclic references. It refuses, with a TypeError at
 * the call site, what cannot be copied into bytes: functions, symbols, SharedArrayBuffer (identity
 * cannot travel as bytes: send it once with postMessage), and host objects (MessagePort, Blob, …).
 *
 * A Map or Set is encoded as its entries were when the writer met it (snapshotted first, as the
 * HTML structured-serialize steps do): a getter met while encoding them that adds or deletes
 * entries changes neither the count written nor what follows. A Writer stops, with the error its
 * owner chose, as soon as its output would pass `limit` bytes: a refused value never costs a
 * buffer of its own size.
 *
 * Format: one tag byte per value, then its fields; u32/f64 little-endian; strings as a u32 count
 * of UTF-16 code units, then the units; every object gets the next reference index when first
 * met (the reader numbers them in the same order), and a repeat is written as REF + index.
 */
import { describe, errorClasses } from './errors.js';

const enum T {
  UNDEFINED,
  NULL,
  FALSE,
  TRUE,
  INT,
  FLOAT,
  STRING,
  BIGINT,
  ARRAY,
  HOLE,
  OBJECT,
  DATE,
  REGEXP,
  MAP,
  SET,
  ARRAY_BUFFER,
  VIEW,
  ERROR,
  REF,
  BOOLEAN_OBJECT,
  NUMBER_OBJECT,
  STRING_OBJECT,
  BIGINT_OBJECT,
  RESIZABLE_BUFFER,
}

type ViewCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;
const g = globalThis as Record<string, unknown>;
/** View kinds by index: the writer and the reader use the same list. */
const VIEW_NAMES = [
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
];
/** The standard error classes, by name. */
export const ERROR_CTORS: Record<string, ErrorConstructor | undefined> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** An error as it travels between threads in a message (structured clone keeps only the standard classes). */
export type PackedError = { name: string; message: string; stack?: string } | { thrown: unknown };

export function packError(e: unknown): PackedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { thrown: e };
}

/** Rebuilds a packed error as the standard or wasmloop class of its name (else Error, named so). */
export function unpackError(p: PackedError): unknown {
  if ('thrown' in p) return p.thrown;
  const e = new (ERROR_CTORS[p.name] ?? errorClasses[p.name] ?? Error)(p.message);
  if (e.name !== p.name) Object.defineProperty(e, 'name', { value: p.name, writable: true, configurable: true });
  if (p.stack !== undefined) Object.defineProperty(e, 'stack', { value: p.stack, writable: true, configurable: true });
  return e;
}

const toTag = Object.prototype.toString;
const fromCharCode = String.fromCharCode as (...codes: ArrayLike<number> & number[]) => string;

const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
/** Buffers larger than this are given back after an encoding that failed (see Writer.shrink). */
const KEEP_BYTES = 1 << 16;

/** Encodes values into a growable byte buffer, reused from one submission to the next. */
export class Writer {
  bytes = new Uint8Array(256);
  private dv = new DataView(this.bytes.buffer);
  pos = 0;
  private refs: Map<object, number> | null = null;
  private nrefs = 0;

  /**
   * `limit`: the most bytes an encoding may take; past it, `tooBig()` is thrown (at once: the
   * buffer never grows beyond `limit`).
   */
  constructor(
    private readonly limit = Infinity,
    private readonly tooBig: () => Error = () => new RangeError(`an encoding passed ${limit} bytes`),
  ) {}

  /** Gives back a buffer grown large (after an encoding that failed: it would otherwise be kept until the next submission). */
  shrink(): void {
    this.reset();
    if (this.bytes.length <= KEEP_BYTES) return;
    this.bytes = new Uint8Array(256);
    this.dv = new DataView(this.bytes.buffer);
  }

  reset(): void {
    this.pos = 0;
    if (this.nrefs > 0) {
      this.refs!.clear();
      this.nrefs = 0;
    }
  }

  private room(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    if (this.pos + n > this.limit) throw this.tooBig();
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    if (size > this.limit) size = this.limit;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.bytes[this.pos++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.dv.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.dv.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  str(s: string): void {
    const n = s.length;
    this.room(4 + 2 * n);
    const b = this.bytes;
    this.dv.setUint32(this.pos, n, true);
    let p = this.pos + 4;
    for (let i = 0; i < n; i++, p += 2) {
      const c = s.charCodeAt(i);
      b[p] = c & 0xff;
      b[p + 1] = c >>> 8;
    }
    this.pos = p;
  }

  raw(src: Uint8Array): void {
    this.room(src.length);
    this.bytes.set(src, this.pos);
    this.pos += src.length;
  }

  value(v: unknown): void {
    switch (typeof v) {
      case 'undefined':
        return this.u8(T.UNDEFINED);
      case 'boolean':
        return this.u8(v ? T.TRUE : T.FALSE);
      case 'number':
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          this.u8(T.INT);
          return this.u32(v >>> 0);
        }
        this.u8(T.FLOAT);
        return this.f64(v);
      case 'string':
        this.u8(T.STRING);
        return this.str(v);
      case 'bigint':
        this.u8(T.BIGINT);
        return this.str(v.toString(16));
      case 'object':
        if (v === null) return this.u8(T.NULL);
        return this.object(v);
      default:
        throw cannotClone(v);
    }
  }

  private object(v: object): void {
    const refs = (this.refs ??= new Map());
    const seen = refs.get(v);
    if (seen !== undefined) {
      this.u8(T.REF);
      return this.u32(seen);
    }
    refs.set(v, this.nrefs++);
    if (Array.isArray(v)) {
      const n = v.length;
      this.u8(T.ARRAY);
      this.u32(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        if (x === undefined && !(i in v)) this.u8(T.HOLE);
        else this.value(x);
      }
      // own enumerable properties that are not indices (a match result's index, input and groups),
      // which structured clone keeps too: Object.keys lists them after every index
      const keys = Object.keys(v);
      let first = keys.length;
      while (first > 0 && !isArrayIndex(keys[first - 1]!)) first--;
      this.u32(keys.length - first);
      for (let i = first; i < keys.length; i++) {
        this.str(keys[i]!);
        this.value((v as unknown as Record<string, unknown>)[keys[i]!]);
      }
      return;
    }
    const tag = toTag.call(v);
    switch (tag) {
      case '[object Object]': {
        const keys = Object.keys(v);
        this.u8(T.OBJECT);
        this.u32(keys.length);
        for (const k of keys) {
          this.str(k);
          this.value((v as Record<string, unknown>)[k]);
        }
        return;
      }
      case '[object Date]':
        this.u8(T.DATE);
        return this.f64((v as Date).getTime());
      case '[object RegExp]':
        this.u8(T.REGEXP);
        this.str((v as RegExp).source);
        return this.str((v as RegExp).flags);
      case '[object Map]': {
        // entries first (the intrinsic forEach runs no user code), then their encoding, which may
        const entries: unknown[] = [];
        mapForEach.call(v as Map<unknown, unknown>, (x, k) => void entries.push(k, x));
        this.u8(T.MAP);
        this.u32(entries.length >>> 1);
        for (let i = 0; i < entries.length; i++) this.value(entries[i]);
        return;
      }
      case '[object Set]': {
        const items: unknown[] = [];
        setForEach.call(v as Set<unknown>, (x) => void items.push(x));
        this.u8(T.SET);
        this.u32(items.length);
        for (let i = 0; i < items.length; i++) this.value(items[i]);
        return;
      }
      case '[object ArrayBuffer]': {
        const buf = v as ArrayBuffer & { resizable?: boolean; maxByteLength?: number };
        if (buf.resizable === true) {
          this.u8(T.RESIZABLE_BUFFER);
          this.u32(buf.maxByteLength!);
        } else this.u8(T.ARRAY_BUFFER);
        this.u32(buf.byteLength);
        return this.raw(new Uint8Array(buf));
      }
      case '[object Error]': {
        const e = v as Error;
        this.u8(T.ERROR);
        this.str(String(e.name));
        this.str(String(e.message));
        this.value(typeof e.stack === 'string' ? e.stack : undefined);
        const hasCause = Object.prototype.hasOwnProperty.call(e, 'cause');
        this.u8(hasCause ? 1 : 0);
        if (hasCause) this.value(e.cause);
        return;
      }
      case '[object Boolean]':
        return this.u8(T.BOOLEAN_OBJECT), this.u8((v as Boolean).valueOf() ? 1 : 0);
      case '[object Number]':
        return this.u8(T.NUMBER_OBJECT), this.f64((v as Number).valueOf());
      case '[object String]':
        return this.u8(T.STRING_OBJECT), this.str((v as String).valueOf());
      case '[object BigInt]':
        return this.u8(T.BIGINT_OBJECT), this.str((v as { valueOf(): bigint }).valueOf().toString(16));
    }
    if (ArrayBuffer.isView(v)) {
      const kind = VIEW_NAMES.indexOf(tag.slice(8, -1));
      if (kind >= 0) {
        const view = v as ArrayBufferView & { length?: number };
        if (toTag.call(view.buffer) === '[object SharedArrayBuffer]') throw sharedBuffer();
        this.u8(T.VIEW);
        this.u8(kind);
        this.value(view.buffer);
        this.u32(view.byteOffset);
        return this.u32(kind === 0 ? view.byteLength : view.length!);
      }
    }
    if (tag === '[object SharedArrayBuffer]') throw sharedBuffer();
    throw cannotClone(v);
  }
}

/** Whether an own key of an array is an index (a canonical number below 2^32 - 1). */
function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false; // cheap and common: a name
  const i = Number(k);
  return i < 4294967295 && String(i >>> 0) === k;
}

function cannotClone(v: unknown): TypeError {
  return new TypeError(`${describe(v)} could not be cloned: cross-thread arguments must be structured-cloneable`);
}

function sharedBuffer(): TypeError {
  return new TypeError('a SharedArrayBuffer cannot travel through a loop inbox (its identity cannot be copied into bytes): send it once with postMessage');
}

/** Maps an error's name to the class to rebuild it with (for names other than the standard ones). */
export type ErrorClasses = Record<string, (new (message?: string) => Error) | undefined>;

/** Decodes what a Writer wrote, from any byte view (a shared one included). */
export class Reader {
  private b: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(new ArrayBuffer(0));
  pos = 0;
  private refs: unknown[] = [];
  private units = new Uint16Array(256);
  private readonly recent: string[] = [];

  constructor(private readonly errors: ErrorClasses = {}) {}

  /** Reads from `bytes` (with `dv` over the same buffer) at byte `pos`. */
  reset(bytes: Uint8Array, dv: DataView, pos: number): void {
    this.b = bytes;
    this.dv = dv;
    this.pos = pos;
    if (this.refs.length > 0) this.refs.length = 0;
  }

  u8(): number {
    return this.b[this.pos++]!;
  }

  u32(): number {
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  str(): string {
    const n = this.u32();
    const b = this.b;
    let p = this.pos;
    this.pos = p + 2 * n;
    if (n <= 16) {
      let s = '';
      for (let i = 0; i < n; i++, p += 2) s += String.fromCharCode(b[p]! | (b[p + 1]! << 8));
      return s;
    }
    if (this.units.length < n) this.units = new Uint16Array(Math.max(n, this.units.length * 2));
    const u = this.units;
    for (let i = 0; i < n; i++, p += 2) u[i] = b[p]! | (b[p + 1]! << 8);
    let s = '';
    for (let i = 0; i < n; i += 8192) s += fromCharCode.apply(null, u.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
    return s;
  }

  /**
   * A string that is likely one of a few seen lately (function names): compared in place and
   * returned without building a new string when it matches.
   */
  name(): string {
    const n = this.dv.getUint32(this.pos, true);
    const b = this.b;
    const p = this.pos + 4;
    const recent = this.recent;
    for (let k = 0; k < recent.length; k++) {
      const s = recent[k]!;
      if (s.length !== n) continue;
      let i = 0;
      while (i < n && s.charCodeAt(i) === (b[p + 2 * i]! | (b[p + 2 * i + 1]! << 8))) i++;
      if (i === n) {
        this.pos = p + 2 * n;
        return s;
      }
    }
    const s = this.str();
    if (recent.length === 8) recent.pop();
    recent.unshift(s);
    return s;
  }

  value(): unknown {
    const tag = this.u8();
    switch (tag) {
      case T.UNDEFINED:
        return undefined;
      case T.NULL:
        return null;
      case T.FALSE:
        return false;
      case T.TRUE:
        return true;
      case T.INT:
        return this.u32() | 0;
      case T.FLOAT:
        return this.f64();
      case T.STRING:
        return this.str();
      case T.BIGINT:
        return hexBigInt(this.str());
      case T.REF:
        return this.refs[this.u32()];
      case T.ARRAY: {
        const n = this.u32();
        const a: unknown[] = new Array(n);
        this.refs.push(a);
        for (let i = 0; i < n; i++) {
          if (this.b[this.pos] === T.HOLE) this.pos++;
          else a[i] = this.value();
        }
        return this.props(a as unknown as Record<string, unknown>, this.u32()) as unknown as unknown[];
      }
      case T.OBJECT: {
        const n = this.u32();
        const o: Record<string, unknown> = {};
        this.refs.push(o);
        return this.props(o, n);
      }
      case T.DATE:
        return this.keep(new Date(this.f64()));
      case T.REGEXP: {
        const source = this.str();
        return this.keep(new RegExp(source, this.str()));
      }
      case T.MAP: {
        const n = this.u32();
        const m = this.keep(new Map());
        for (let i = 0; i < n; i++) {
          const k = this.value();
          m.set(k, this.value());
        }
        return m;
      }
      case T.SET: {
        const n = this.u32();
        const s = this.keep(new Set());
        for (let i = 0; i < n; i++) s.add(this.value());
        return s;
      }
      case T.ARRAY_BUFFER: {
        const n = this.u32();
        const buf = this.b.slice(this.pos, this.pos + n).buffer;
        this.pos += n;
        return this.keep(buf);
      }
      case T.RESIZABLE_BUFFER: {
        const max = this.u32();
        const n = this.u32();
        const buf = new (ArrayBuffer as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, { maxByteLength: max });
        new Uint8Array(buf).set(this.b.subarray(this.pos, this.pos + n));
        this.pos += n;
        return this.keep(buf);
      }
      case T.VIEW: {
        const at = this.refs.push(undefined) - 1;
        const name = VIEW_NAMES[this.u8()]!;
        const buffer = this.value() as ArrayBuffer;
        const offset = this.u32();
        const length = this.u32();
        const Ctor = g[name] as ViewCtor | undefined;
        if (Ctor === undefined) throw new TypeError(`${name} is not available in this thread`);
        return (this.refs[at] = new Ctor(buffer, offset, length));
      }
      case T.ERROR: {
        const at = this.refs.push(undefined) - 1;
        const name = this.str();
        const message = this.str();
        const Ctor = ERROR_CTORS[name] ?? this.errors[name] ?? Error;
        const e = new Ctor(message);
        if (e.name !== name) Object.defineProperty(e, 'name', { value: name, writable: true, configurable: true });
        this.refs[at] = e;
        const stack = this.value();
        if (typeof stack === 'string') Object.defineProperty(e, 'stack', { value: stack, writable: true, configurable: true });
        if (this.u8() === 1) Object.defineProperty(e, 'cause', { value: this.value(), writable: true, configurable: true });
        return e;
      }
      case T.BOOLEAN_OBJECT:
        return this.keep(Object(this.u8() === 1));
      case T.NUMBER_OBJECT:
        return this.keep(Object(this.f64()));
      case T.STRING_OBJECT:
        return this.keep(Object(this.str()));
      case T.BIGINT_OBJECT:
        return this.keep(Object(hexBigInt(this.str())));
      default:
        throw new TypeError(`wasmloop: corrupt inbox record (tag ${tag} at byte ${this.pos - 1})`);
    }
  }

  /** Reads `n` key/value pairs into `o` (a '__proto__' key becomes an own property, as structured clone makes it). */
  private props(o: Record<string, unknown>, n: number): Record<string, unknown> {
    for (let i = 0; i < n; i++) {
      const k = this.str();
      const x = this.value();
      if (k === '__proto__') Object.defineProperty(o, k, { value: x, enumerable: true, writable: true, configurable: true });
      else o[k] = x;
    }
    return o;
  }

  private keep<V>(v: V): V {
    this.refs.push(v);
    return v;
  }
}

function hexBigInt(s: string): bigint {
  return s.charCodeAt(0) === 45 /* - */ ? -BigInt('0x' + s.slice(1)) : BigInt('0x' + s);
}
