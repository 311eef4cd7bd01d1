/**
 * asyncio's exception classes. Each extends Error, has `name` equal to its class name and a
 * message worded like asyncio's. `TimeoutError` is asyncio's, not the DOM's.
 */
/** wasmloop's error classes by name, so that an error crossing threads is rebuilt with its class. */
export const errorClasses: Record<string, (new (message?: string) => Error) | undefined> = Object.create(null);

function named<T extends new (...a: any[]) => Error>(cls: T, name: string): T {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  errorClasses[name] = cls;
  return cls;
}

export class RuntimeError extends Error {}
named(RuntimeError, 'RuntimeError');

/** The operation was cancelled (asyncio.CancelledError). */
export class CancelledError extends Error {}
named(CancelledError, 'CancelledError');

/** A Future or Task method was called in a state that does not allow it. */
export class InvalidStateError extends Error {}
named(InvalidStateError, 'InvalidStateError');

/** asyncio.TimeoutError (the built-in TimeoutError of Python 3.11+). */
export class TimeoutError extends Error {}
named(TimeoutError, 'TimeoutError');

export class QueueEmpty extends Error {}
named(QueueEmpty, 'QueueEmpty');

export class QueueFull extends Error {}
named(QueueFull, 'QueueFull');

/** Raised by Queue methods after `shutdown()` (Python 3.13). */
export class QueueShutDown extends Error {}
named(QueueShutDown, 'QueueShutDown');

export class BrokenBarrierError extends RuntimeError {}
named(BrokenBarrierError, 'BrokenBarrierError');

/** What the host cannot offer (reactor-style I/O in a completion-based host, for one). */
export class NotImplementedError extends Error {}
named(NotImplementedError, 'NotImplementedError');

/** Describes a value for an error message: `got <type>`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'function') return `function ${v.name || '<anonymous>'}`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}
