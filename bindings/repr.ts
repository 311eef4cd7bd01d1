/**
 * Text for user values that never throws. Every report, repr and error message that shows a value
 * the user handed in goes through here: a callback's argument, a thrown value, a future's result,
 * a function's name. Such a value may have no prototype (`Object.create(null)`), a `toString`,
 * `Symbol.toPrimitive` or getter that throws, or be a revoked Proxy; formatting it must neither
 * throw nor stop the loop.
 *
 * Two levels:
 * - `peek`, `nameOf`, `className` and `describe` (for error messages at call sites) run no user
 *   code: they read data properties only, never getters, `toString` or `valueOf`. A Proxy's traps
 *   (`getOwnPropertyDescriptor`, `getPrototypeOf`) are the one exception JavaScript leaves no way
 *   around; one that throws reads as nothing.
 * - `safeString` and `safeRepr` (for reports and reprs, as asyncio's repr() calls `__repr__`) call
 *   a value's own conversion inside a guard, and fall back to a description that reads nothing.
 */

/** The descriptor of `key` on `o` or its prototype chain, read without calling a getter (undefined on any error). */
export function lookup(o: unknown, key: PropertyKey): PropertyDescriptor | undefined {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return undefined;
  try {
    let p: object | null = o as object;
    for (let depth = 0; p !== null && depth < 64; depth++) {
      const d = Object.getOwnPropertyDescriptor(p, key);
      if (d !== undefined) return d;
      p = Object.getPrototypeOf(p) as object | null;
    }
  } catch {
    // a revoked Proxy, or a trap that throws
  }
  return undefined;
}

/** A data property of `o` or of its prototype chain, never a getter's result (undefined then, or on any error). */
export function peek(o: unknown, key: PropertyKey): unknown {
  const d = lookup(o, key);
  return d !== undefined && 'value' in d ? d.value : undefined;
}

/** A function's own `name` when it is a string data property, else ''. */
export function nameOf(fn: unknown): string {
  const n = peek(fn, 'name');
  return typeof n === 'string' ? n : '';
}

/** The name of an object's constructor, read as data only; null if there is none to read. */
export function className(o: unknown): string | null {
  const n = nameOf(peek(o, 'constructor'));
  return n === '' ? null : n;
}

function quote(s: string, max: number): string {
  return JSON.stringify(s.length > max ? s.slice(0, max) + '…' : s);
}

/** Primitives as text (never throws for them); null for objects and functions. */
function primitive(v: unknown, max: number): string | null {
  switch (typeof v) {
    case 'string':
      return quote(v, max);
    case 'bigint':
      return `${v}n`;
    case 'symbol':
      return v.toString(); // Symbol.prototype.toString: no user code
    case 'object':
      return v === null ? 'null' : null;
    case 'function':
      return null;
    default:
      return String(v);
  }
}

/** Describes a value for an error message (`got <this>`), running no user code. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return `function ${nameOf(v) || '<anonymous>'}`;
  if (typeof v === 'object') return className(v) ?? 'object';
  if (typeof v === 'string') return `string ${quote(v, 40)}`;
  return `${typeof v} ${primitive(v, 40)}`;
}

/** What a value is, for when its own conversion failed: reads nothing but data properties. */
function fallback(v: unknown): string {
  if (typeof v === 'function') return `<function ${nameOf(v) || '<anonymous>'}>`;
  const cls = className(v);
  return cls === null ? '<object>' : `<${cls} object>`;
}

/** `String(v)`, or a description of `v` when its conversion throws or gives no string. */
export function safeString(v: unknown): string {
  const p = primitive(v, Infinity);
  if (p !== null) return typeof v === 'string' ? v : p;
  try {
    const s: unknown = String(v);
    if (typeof s === 'string') return s;
  } catch {
    // no prototype, a throwing toString/Symbol.toPrimitive, a revoked Proxy…
  }
  return fallback(v);
}

/**
 * A short repr for reports (asyncio's reprlib-style): strings quoted and cut at `max`, Errors as
 * `Name("message")`, objects by their own `toString` when they have one, else by their class.
 */
export function safeRepr(v: unknown, max = 40): string {
  const p = primitive(v, max);
  if (p !== null) return p;
  if (typeof v === 'function') return nameOf(v) || '<function>';
  try {
    if (v instanceof Error) {
      const name = peek(v, 'name');
      const message = peek(v, 'message');
      return `${typeof name === 'string' ? name : className(v) ?? 'Error'}(${JSON.stringify(typeof message === 'string' ? message : '')})`;
    }
  } catch {
    // instanceof consulted a Proxy's getPrototypeOf trap, which threw
  }
  const s = safeString(v);
  if (s === '[object Object]') {
    const cls = className(v);
    return cls === null || cls === 'Object' ? '{…}' : cls;
  }
  return s;
}

/**
 * `String(v)` for a value the caller asked to keep as text (a cancel message, a task name): a
 * conversion that throws is refused at the call site with a TypeError that says so, before the
 * caller changed anything.
 */
export function toText(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  try {
    const s: unknown = String(v);
    if (typeof s === 'string') return s;
  } catch (e) {
    throw new TypeError(`${what} cannot be converted to a string: ${describe(v)}`, { cause: e });
  }
  throw new TypeError(`${what} cannot be converted to a string: ${describe(v)}`);
}

/** `v instanceof C`, false where asking runs a Proxy trap that throws (a revoked Proxy). */
export function isInstance<T>(v: unknown, C: abstract new (...a: any[]) => T): v is T {
  try {
    return v instanceof C;
  } catch {
    return false;
  }
}
