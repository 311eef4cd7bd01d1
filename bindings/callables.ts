/**
 * What a callback may be, decided without running the user's code: no getter is read (`constructor`,
 * `then`, `name`…), no `toString`/`valueOf` is called. For a real function that holds; a Proxy of
 * a function is judged by its `getPrototypeOf` and `getOwnPropertyDescriptor` traps, the user code
 * JavaScript gives no way around — a trap that throws (a revoked Proxy) gets the call refused with
 * the TypeError. A class is refused: called without `new` it could only throw, later, inside the
 * loop. A Proxy's source text is never its target's, so a Proxy of a class is not seen as one: it
 * is accepted and fails when called, through the exception handler like any callback that throws.
 */
import { describe, lookup, peek } from './repr.js';

const AsyncFunction = Object.getPrototypeOf(async () => {}) as object;
const GeneratorFunction = Object.getPrototypeOf(function* () {}) as object;
const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}) as object;
const fnToString = Function.prototype.toString;
const FunctionPrototype = Function.prototype as unknown;
const hasOwn = Object.hasOwn;

export const enum Callable {
  PLAIN = 0,
  COROUTINE = 1,
  CLASS = 2,
  /** a Proxy whose getPrototypeOf trap threw (a revoked Proxy) */
  UNREADABLE = 3,
}

/** What kind of function `f` is (see the file header for what is read). */
export function callableKind(f: Function): Callable {
  try {
    const proto = Object.getPrototypeOf(f) as unknown;
    // the common case first, cheaply: an arrow function, a method or a bound function (no own
    // `prototype`) of Function.prototype
    if (proto === FunctionPrototype) return hasOwn(f, 'prototype') ? classOrPlain(f) : Callable.PLAIN;
    if (proto === AsyncFunction || proto === GeneratorFunction || proto === AsyncGeneratorFunction) return Callable.COROUTINE;
    return classOrPlain(f); // a derived class's prototype is its base class
  } catch {
    return Callable.UNREADABLE; // a revoked Proxy, or a trap that throws
  }
}

/**
 * A class has a read-only `prototype` (other functions a writable one), and its source text starts
 * with `class` (a built-in constructor's is native code). The text is looked at only then: making
 * it costs more than the rest of callSoon. A Proxy's text is never its target's.
 */
function classOrPlain(f: Function): Callable {
  const d = Object.getOwnPropertyDescriptor(f, 'prototype');
  return d !== undefined && d.writable === false && fnToString.call(f).startsWith('class') ? Callable.CLASS : Callable.PLAIN;
}

/**
 * A coroutine object or an awaitable: a `then` method or accessor (a Future's is a getter), or
 * `next` and `throw` methods. Descriptors are read, never a getter's value.
 */
export function isCoroutineLike(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const then = lookup(v, 'then');
  if (then !== undefined && ('value' in then ? typeof then.value === 'function' : true)) return true;
  return typeof peek(v, 'next') === 'function' && typeof peek(v, 'throw') === 'function';
}

/** A function that can be called without `new` (a coroutine function included): not a class, not a revoked Proxy. */
export function isCallable(v: unknown): v is (...args: any[]) => unknown {
  return typeof v === 'function' && callableKind(v) <= Callable.COROUTINE;
}

/** Throws the TypeError `method()` gives for a callback that is not a plain callable; returns if it is one. */
export function checkCallable(cb: unknown, method: string): void {
  if (typeof cb === 'function') {
    const kind = callableKind(cb);
    if (kind === Callable.PLAIN) return;
    if (kind === Callable.COROUTINE) throw new TypeError(`coroutines cannot be used with ${method}()`);
    if (kind === Callable.CLASS) throw new TypeError(`a class cannot be used as a callback with ${method}(): it needs \`new\`; got class ${describe(cb).slice('function '.length)}`);
    throw new TypeError(`a callable object was expected by ${method}(), got a function that cannot be inspected (a revoked Proxy?)`);
  }
  if (isCoroutineLike(cb)) throw new TypeError(`coroutines cannot be used with ${method}()`);
  throw new TypeError(`a callable object was expected by ${method}(), got ${describe(cb)}`);
}
