/**
 * asyncio's exception classes. Each extends Error, has `name` equal to its class name and a
 * message worded like asyncio's. `TimeoutError` is asyncio's, not the DOM's.
 */
import { describe } from './repr.js';

/** wasmloop's error classes by name, so that an error crossing threads is rebuilt with its class. */
export const errorClasses: Record<string, (new (message?: string) => Error) | undefined> = Object.create(null);

function named<T extends new (...a: any[]) => Error>(cls: T, name: string): T {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  errorClasses[name] = cls;
  return cls;
}

/**
 * Python's RuntimeError: the loop or a primitive used in a state that does not allow it ('Event loop
 * is closed', 'no running event loop', …).
 */
export class RuntimeError extends Error {}
named(RuntimeError, 'RuntimeError');

/** The operation was cancelled (asyncio.CancelledError). */
export class CancelledError extends Error {}
named(CancelledError, 'CancelledError');

/**
 * A Future or Task method was called in a state that does not allow it. asyncio:
 * `asyncio.InvalidStateError`.
 */
export class InvalidStateError extends Error {}
named(InvalidStateError, 'InvalidStateError');

/** asyncio.TimeoutError (the built-in TimeoutError of Python 3.11+). */
export class TimeoutError extends Error {}
named(TimeoutError, 'TimeoutError');

/** `Queue.getNowait()` on an empty queue (asyncio.QueueEmpty). */
export class QueueEmpty extends Error {}
named(QueueEmpty, 'QueueEmpty');

/** `Queue.putNowait()` on a full queue, or a full cross-thread inbox (asyncio.QueueFull). */
export class QueueFull extends Error {}
named(QueueFull, 'QueueFull');

/** Raised by Queue methods after `shutdown()` (Python 3.13). */
export class QueueShutDown extends Error {}
named(QueueShutDown, 'QueueShutDown');

/** A Barrier was reset or aborted while tasks waited on it (asyncio.BrokenBarrierError). */
export class BrokenBarrierError extends RuntimeError {}
named(BrokenBarrierError, 'BrokenBarrierError');

/**
 * Python's ExceptionGroup, as an AggregateError: what a TaskGroup raises when children failed.
 * `exceptions` (also `errors`) holds them; `message` reads like Python's str():
 * `unhandled errors in a TaskGroup (2 sub-exceptions)`; `groupMessage` is the bare message.
 */
export class ExceptionGroup extends AggregateError {
  /** The message as given, without the count of sub-exceptions (Python: `ExceptionGroup.message`). */
  readonly groupMessage: string;
  /** The grouped exceptions, frozen (Python: `ExceptionGroup.exceptions`). */
  readonly exceptions: readonly unknown[];

  constructor(message: string, exceptions: Iterable<unknown>) {
    if (typeof message !== 'string') throw new TypeError(`ExceptionGroup message must be a string, got ${describe(message)}`);
    if (exceptions === null || typeof (exceptions as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function')
      throw new TypeError(`ExceptionGroup exceptions must be iterable, got ${describe(exceptions)}`);
    const list = [...exceptions];
    if (list.length === 0) throw new RangeError('second argument (exceptions) must be a non-empty sequence');
    super(list, `${message} (${list.length} sub-exception${list.length === 1 ? '' : 's'})`);
    this.groupMessage = message;
    this.exceptions = Object.freeze(list);
  }

  /** A group like this one with the exceptions that match (recursively), or null if none. */
  subgroup(match: (e: unknown) => boolean): ExceptionGroup | null {
    return this.split(match)[0];
  }

  /**
   * `[matching, rest]`: two groups (or null) that partition the exceptions, keeping nesting. Python:
   * `ExceptionGroup.split`.
   */
  split(match: (e: unknown) => boolean): [ExceptionGroup | null, ExceptionGroup | null] {
    if (typeof match !== 'function') throw new TypeError(`split() needs a predicate, got ${describe(match)}`);
    if (match(this)) return [this, null];
    const yes: unknown[] = [];
    const no: unknown[] = [];
    for (const e of this.exceptions) {
      if (e instanceof ExceptionGroup) {
        const [a, b] = e.split(match);
        if (a !== null) yes.push(a);
        if (b !== null) no.push(b);
      } else if (match(e)) yes.push(e);
      else no.push(e);
    }
    return [yes.length ? this.derive(yes) : null, no.length ? this.derive(no) : null];
  }

  /** A new group with the same message and other exceptions. */
  derive(exceptions: Iterable<unknown>): ExceptionGroup {
    return new ExceptionGroup(this.groupMessage, exceptions);
  }
}
named(ExceptionGroup, 'ExceptionGroup');

/**
 * What the host cannot offer (reactor-style I/O in a completion-based host, for one). Python:
 * `NotImplementedError`.
 */
export class NotImplementedError extends Error {}
named(NotImplementedError, 'NotImplementedError');

/** Describes a value for an error message: `got <type>`, running no user code (repr.ts). */
export { describe };
