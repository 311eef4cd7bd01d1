/**
 * Future — asyncio.Future: a result that arrives later, bound to one loop.
 *
 * States: PENDING → FINISHED (result or exception) | CANCELLED, once. Done callbacks are never
 * called inline: on completion each is scheduled as a loop callback `cb(fut)` in the context it was
 * added with, in the order they were added — through `loop._soonAlways`, so completing a future
 * never fails for core memory: a callback refused a slot waits for one (loop.ts `_overflow`).
 *
 * Awaiting: a Future is iterable (`const v = yield* fut` in a generator task: the task suspends on
 * it, as asyncio's `await fut`), and a thenable. `await fut` registers the engine's resolving
 * functions as an *awaiter* among the done callbacks; when the future is done, one loop callback
 * settles them — as the awaiting task's marked continuation when a task awaited it (attribution.ts).
 * Any other `then(onFulfilled, onRejected)` goes through one cached native promise of the outcome.
 *
 * An exception nobody looked at (result(), exception(), await) is reported to the loop's
 * exception handler as "Future exception was never retrieved" when the future is garbage
 * collected (FinalizationRegistry; see README).
 */
import { Context, copyContext } from './context.js';
import { CancelledError, InvalidStateError, RuntimeError, describe } from './errors.js';
import { ARGS_ARRAY, ARGS_ONE, noteOwnFile } from './handles.js';
import { className, isInstance, nameOf, peek, safeRepr, toText } from './repr.js';
import { checkCallable } from './callables.js';
import { host } from './hosts/index.js';
import { _setThenImpl, isResolvingFunctions, marksOf, noteAwaiting, noteThenRead, resumeFor, running, type Runner } from './attribution.js';

noteOwnFile(new Error().stack); // this file's frames are wasmloop's own (handles.ts firstUserFrame)

/** What a Future needs from its loop. */
export interface FutureLoop {
  callSoon(cb: (...args: any[]) => unknown, ...args: any[]): unknown;
  callExceptionHandler(ctx: Record<string, unknown>): void;
  getDebug(): boolean;
  /** @internal a promise reaction is about to run for a loop awaitable (the virtual clock waits for it) */
  _notePromiseActivity(): void;
  /** @internal callSoon that never refuses for core memory (loop.ts): how done callbacks are scheduled */
  _soonAlways(cb: (...args: any[]) => unknown, arg: unknown, kind: number, ctx: Context | null): unknown;
}

export const enum FutureState {
  PENDING = 0,
  CANCELLED = 1,
  FINISHED = 2,
}

const STATE_NAMES = ['PENDING', 'CANCELLED', 'FINISHED'];

/** A callback `addDoneCallback` takes: called with the future once it is done. asyncio: the `fn` of `Future.add_done_callback`. */
export type DoneCallback<T> = (fut: Future<T>) => unknown;

/** An `await` (or `Promise.resolve(fut)`) waiting on a future: the engine's resolving functions. */
class Awaiter {
  constructor(
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: unknown) => void,
    /** the task that awaits, when known */
    readonly task: Runner | null,
    /** settles the promise `then` returned, after the awaiter was settled */
    readonly after: (() => void) | null,
  ) {}
}

/**
 * The done callbacks, flat, two slots an entry: `fn, context` for a done callback, `awaiter, null`
 * for an await — no array per entry (a task's wakeup is one entry on every future it suspends on).
 * `any`: a Future<T> must stay assignable to Future<unknown>.
 */
type CallbackSlots = Array<DoneCallback<any> | Context | Awaiter | null>;

let defaultLoop: (() => FutureLoop) | null = null;
/** @internal set by events.ts: how `new Future()` finds the current loop */
export function _setLoopResolver(fn: () => FutureLoop): void {
  defaultLoop = fn;
}

/** Reported when a future with an unretrieved exception is collected. */
interface Unretrieved {
  loop: FutureLoop;
  /** The exception, or where it is held weakly (below) a stand-in for it. */
  exception: unknown;
  /** The exception, held weakly where the host keeps an Error's call sites (Deno). */
  weak: WeakRef<object> | null;
  kind: string;
  repr: string;
  source: string | null;
}

/**
 * The registry holds its records strongly. Where an Error keeps its call sites even once formatted
 * (Deno), an Error made while a task's step ran holds that task: a strong hold would keep the task
 * alive for ever, and it would never be reported. There the record holds the exception weakly,
 * with a stand-in — same class, and the own properties that are not objects (name, message, stack,
 * errno, code…) — for when the exception went with its future.
 */
function record(loop: FutureLoop, exception: unknown, kind: string, repr: string, source: string | null): Unretrieved {
  if (!host.errorsKeepCallSites || exception === null || (typeof exception !== 'object' && typeof exception !== 'function')) return { loop, exception, weak: null, kind, repr, source };
  let standIn: Record<string, unknown> = Object.create(null);
  try {
    // data properties only: a getter of the exception is user code (a revoked Proxy throws here)
    standIn = Object.create(Object.getPrototypeOf(exception) as object | null) as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(exception)) {
      const d = Object.getOwnPropertyDescriptor(exception, key);
      const value: unknown = d !== undefined && 'value' in d ? d.value : undefined;
      if (value === null || (typeof value !== 'object' && typeof value !== 'function'))
        Object.defineProperty(standIn, key, { value, writable: true, configurable: true, enumerable: d?.enumerable ?? false });
    }
  } catch {
    // what could be copied was
  }
  return { loop, exception: standIn, weak: new WeakRef(exception as object), kind, repr, source };
}

function reportUnretrieved(u: Unretrieved): void {
  const exception = u.weak?.deref() ?? u.exception;
  const ctx: Record<string, unknown> = { message: `${u.kind} exception was never retrieved`, exception, futureRepr: u.repr };
  if (u.source !== null) ctx.sourceTraceback = u.source;
  u.loop.callExceptionHandler(ctx);
}

const unretrieved = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Unretrieved>(reportUnretrieved) : null;

/**
 * asyncio's Future (API.md §6.1): a result that is not there yet. Pending until setResult,
 * setException or cancel; done callbacks are scheduled with callSoon, never called inline. It is a
 * thenable (`await fut`) and iterable (`yield* fut` in a generator coroutine). `new Future()` binds to
 * `{ loop }`, else to getEventLoop()'s loop (RuntimeError in a worker thread with no loop set);
 * TypeError for options that are not an object.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state: FutureState = FutureState.PENDING;
  /**
   * @internal one slot for the outcome (a future is smaller by the fields it does not need): the
   * result when FINISHED, the exception when FINISHED with `_hasException`, the CancelledError
   * made for it (once made) when CANCELLED
   */
  /** @internal */ _result: unknown = undefined;
  /** @internal */ _hasException = false;
  /** @internal */ _loop: FutureLoop;
  /** @internal */ _callbacks: CallbackSlots | null = null;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal an exception is set and nobody looked at it yet (registered for the report) */
  /** @internal */ _logTraceback = false;
  /** @internal where the future was made (debug mode only) */
  /** @internal */ _sourceTraceback: string | null = null;
  /** @internal the cached native promise of the outcome, for `then` callbacks that are not an await */
  /** @internal */ _p: Promise<T> | null = null;
  /** @internal this future only follows a promise (ensureFuture(promise)): cancelling it cannot stop the promise */
  /** @internal */ _wrapsPromise = false;
  /** @internal asyncio's _asyncio_future_blocking: a generator task waits on it */
  _asyncioFutureBlocking = false;
  /** @internal futures that wait on this one on their behalf: gather's, shield's and TaskGroup's (toolkit/graph.ts): one as is, more in a Set */
  _awaitedBy: Future<unknown> | Set<Future<unknown>> | null = null;

  constructor(opts?: { loop?: FutureLoop }) {
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new TypeError(`Future options must be an object, got ${describe(opts)}`);
    const loop = opts?.loop ?? (defaultLoop ? defaultLoop() : null);
    if (!loop) throw new TypeError('Future needs a loop');
    this._loop = loop;
    if (loop.getDebug()) this._sourceTraceback = new Error().stack ?? null;
  }

  /** The loop this future is bound to. asyncio: `Future.get_loop`. */
  getLoop(): FutureLoop {
    return this._loop;
  }

  /** Whether it finished: with a result, an exception, or cancelled. asyncio: `Future.done`. */
  done(): boolean {
    return this._state !== FutureState.PENDING;
  }

  /** Whether it was cancelled. asyncio: `Future.cancelled`. */
  cancelled(): boolean {
    return this._state === FutureState.CANCELLED;
  }

  /**
   * The result; throws the exception it finished with, CancelledError if cancelled, or
   * InvalidStateError('Result is not ready.') while pending. asyncio: `Future.result`.
   */
  result(): T {
    if (this._state === FutureState.CANCELLED) throw this._makeCancelledError();
    if (this._state !== FutureState.FINISHED) throw new InvalidStateError('Result is not ready.');
    if (this._hasException) {
      this._markRetrieved();
      throw this._result;
    }
    return this._result as T;
  }

  /**
   * The exception (null if it finished with a result); CancelledError if cancelled, InvalidStateError
   * while pending. asyncio: `Future.exception`.
   */
  exception(): unknown {
    if (this._state === FutureState.CANCELLED) throw this._makeCancelledError();
    if (this._state !== FutureState.FINISHED) throw new InvalidStateError('Exception is not set.');
    if (!this._hasException) return null;
    this._markRetrieved();
    return this._result;
  }

  /**
   * Cancels a pending future (its callbacks are scheduled); returns false if it was done. A done
   * future's exception counts as retrieved (asyncio: no "exception was never retrieved" report).
   * `msg` null or undefined: no message (asyncio's None); a message whose conversion to a string
   * throws is refused with a TypeError, the future unchanged.
   */
  cancel(msg?: string | null): boolean {
    if (this._state !== FutureState.PENDING) {
      this._markRetrieved();
      return false;
    }
    const text = cancelText(msg);
    this._state = FutureState.CANCELLED;
    this._cancelMessage = text;
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Finishes it with `result` and schedules its done callbacks; InvalidStateError if it is done
   * already. asyncio: `Future.set_result`.
   */
  setResult(result: T): void {
    if (this._state !== FutureState.PENDING) throw new InvalidStateError(`${STATE_NAMES[this._state]}: ${this}`);
    this._result = result;
    this._state = FutureState.FINISHED;
    this._scheduleCallbacks();
  }

  /**
   * Finishes it with `exception` (an instance, or an Error class to instantiate); InvalidStateError if
   * done already, TypeError for undefined or null. asyncio:
   * `Future.set_exception`.
   */
  setException(exception: unknown): void {
    if (this._state !== FutureState.PENDING) throw new InvalidStateError(`${STATE_NAMES[this._state]}: ${this}`);
    if (exception === undefined || exception === null) throw new TypeError(`setException() needs an exception, got ${describe(exception)}`);
    if (typeof exception === 'function' && (exception === Error || isInstance(peek(exception, 'prototype'), Error))) exception = new (exception as new () => unknown)();
    this._finishWithException(exception);
  }

  /** @internal finishes with any thrown value (JavaScript can throw undefined) */
  _finishWithException(exception: unknown): void {
    this._result = exception;
    this._hasException = true;
    this._state = FutureState.FINISHED;
    this._logTraceback = true;
    // format the stack now: until then V8 keeps the frames' receivers (this future's task among
    // them), and the registry holds the exception strongly, so the future could never be collected
    // (Deno keeps them even then: see record())
    try {
      if (exception instanceof Error) void exception.stack;
    } catch {
      // a stack getter or a Proxy's trap that throws: nothing to format
    }
    unretrieved?.register(this, record(this._loop, exception, this[Symbol.toStringTag], String(this), this._sourceTraceback), this);
    this._scheduleCallbacks();
  }

  /**
   * Runs `fn(this)` through callSoon when the future is done (scheduled at once if it is done already), in
   * `context` or a copy of the current one; TypeError for a non-function or a context that is not a
   * Context. asyncio: `Future.add_done_callback`.
   */
  addDoneCallback(fn: DoneCallback<T>, context?: Context): void {
    checkCallable(fn, 'addDoneCallback');
    if (context !== undefined && !isInstance(context, Context)) throw new TypeError(`context must be a Context, got ${describe(context)}`);
    this._addDone(fn, context ?? copyContext());
  }

  /**
   * @internal addDoneCallback for the library's own callbacks (a task's wakeup): `fn` is known to
   * be a plain function and `ctx` a Context, so neither is checked (the callable check is the
   * larger part of a task's suspension on a future).
   */
  _addDone(fn: DoneCallback<T>, ctx: Context): void {
    if (this._state !== FutureState.PENDING) this._loop._soonAlways(fn, this, ARGS_ONE, ctx);
    else this._pushCallback(fn, ctx);
  }

  /**
   * @internal The library's own done callback (a task's or a coroutine driver's wakeup, gather's
   * child callback): unchecked through `_addDone`, unless the future's class has its own
   * addDoneCallback, which then gets the call as a user's callback would.
   */
  _addOwnDone(fn: DoneCallback<T>, ctx: Context): void {
    if (this.addDoneCallback === plainAddDoneCallback) this._addDone(fn, ctx);
    else this.addDoneCallback(fn, ctx);
  }

  /**
   * @internal one entry into `_callbacks`. The first makes an array of exactly its two slots: a
   * `push` onto `[]` would reserve 17 (a 2-slot array is 32 bytes, that one 160, and most futures
   * have one callback: the task that waits, or the gather that wants the child).
   */
  _pushCallback(fnOrAwaiter: DoneCallback<T> | Awaiter, ctx: Context | null): void {
    const cbs = this._callbacks;
    if (cbs === null) this._callbacks = [fnOrAwaiter, ctx];
    else cbs.push(fnOrAwaiter, ctx);
  }

  /**
   * Removes every registration of `fn`; returns how many there were. asyncio:
   * `Future.remove_done_callback`.
   */
  removeDoneCallback(fn: DoneCallback<T>): number {
    const cbs = this._callbacks;
    if (!cbs) return 0;
    const kept: CallbackSlots = [];
    for (let i = 0; i < cbs.length; i += 2) if (cbs[i] !== fn) kept.push(cbs[i]!, cbs[i + 1]!);
    const removed = (cbs.length - kept.length) / 2;
    if (removed) this._callbacks = kept;
    return removed;
  }

  /**
   * `await fut`, `fut.then(...)`. A getter: `await` reads it while the awaiting code still runs,
   * which is how the awaiting task is known (attribution.ts).
   */
  get then(): <R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ) => Promise<R1 | R2> {
    const t = running;
    if (t === null) return plainThen as never;
    noteThenRead(t);
    return (t === (this as unknown) ? selfThen : marksOf(t).futureThen) as never;
  }

  /** A promise of the outcome, with `onrejected` attached, as `Promise.prototype.catch`. */
  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this._promise().catch(onrejected);
  }

  /** A promise of the outcome, with `onfinally` attached, as `Promise.prototype.finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this._promise().finally(onfinally);
  }

  /** `const v = yield* fut` inside a generator coroutine: suspends the task until the future is done. */
  *[Symbol.iterator](): Generator<unknown, T, unknown> {
    if (this._state === FutureState.PENDING) {
      this._asyncioFutureBlocking = true;
      yield this;
    }
    if (this._state === FutureState.PENDING) throw new RuntimeError("yield* wasn't used with future");
    return this.result();
  }

  /** @internal a native promise settled with this future's outcome */
  _promise(): Promise<T> {
    return (this._p ??= new Promise<T>((resolve, reject) => this._addAwaiter(new Awaiter(resolve as (v: unknown) => void, reject, null, null))));
  }

  /**
   * @internal An await of a done future resumes at once (its continuation is still a microtask:
   * asyncio's `await` of a done future does not suspend at all), unless the future asks to give
   * up an iteration (sleep(0)).
   */
  _addAwaiter(aw: Awaiter): void {
    if (this._state === FutureState.PENDING) this._pushCallback(aw, null);
    else if (this._yieldsOnce) this._loop._soonAlways(deliver, [this, aw], ARGS_ARRAY, null);
    else deliver(this, aw);
  }

  /** @internal awaiting it gives up one loop iteration even when it is done (sleep(0)) */
  get _yieldsOnce(): boolean {
    return false;
  }

  /** @internal */ _markRetrieved(): void {
    if (this._logTraceback) {
      this._logTraceback = false;
      unretrieved?.unregister(this);
    }
  }

  /** @internal */ _makeCancelledError(): CancelledError {
    const cancelled = this._state === FutureState.CANCELLED;
    if (cancelled && this._result !== undefined) return this._result as CancelledError;
    const exc = new CancelledError(this._cancelMessage ?? '');
    if (cancelled) this._result = exc;
    return exc;
  }

  /**
   * @internal Schedules the done callbacks, each a loop callback as asyncio's. They are never lost
   * to a full core: the future is done by now, and a callback the core refuses a slot waits in the
   * loop until a tick frees one (loop.ts `_soonAlways`), so completing a future never fails for
   * memory, and nobody awaiting it is left behind.
   */
  _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (!cbs) return;
    this._callbacks = null;
    const loop = this._loop;
    for (let i = 0; i < cbs.length; i += 2) {
      const e = cbs[i]!;
      if (e instanceof Awaiter) loop._soonAlways(deliver, [this, e], ARGS_ARRAY, null);
      else loop._soonAlways(e as DoneCallback<T>, this, ARGS_ONE, cbs[i + 1] as Context);
    }
  }

  /** `'Future'` (`'Task'` for a task). */
  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  protected _reprInfo(): string[] {
    const info = [STATE_NAMES[this._state]!.toLowerCase()];
    if (this._state === FutureState.FINISHED) {
      if (this._hasException) info.push(`exception=${reprValue(this._result)}`);
      else info.push(`result=${reprValue(this._result)}`);
    }
    const cbs = this._callbacks;
    if (cbs && cbs.length) {
      const name = (e: unknown) => (e instanceof Awaiter ? '<await>' : nameOf(e) || '<anonymous>');
      const fns = cbs.filter((_, i) => i % 2 === 0);
      // asyncio's _format_callbacks: the first and the last, and how many in between
      const shown = fns.length <= 2 ? fns.map(name) : [name(fns[0]), `<${fns.length - 2} more>`, name(fns[fns.length - 1])];
      info.push(`cb=[${shown.join(', ')}]`);
    }
    return info;
  }

  /** The future's repr, as asyncio's: `<Future pending cb=[…]>`, `<Future finished result=1>`. */
  toString(): string {
    return `<${className(this) ?? this[Symbol.toStringTag]} ${this._reprInfo().join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Future's own addDoneCallback: `_addOwnDone` tells a subclass that overrides it. */
const plainAddDoneCallback = Future.prototype.addDoneCallback;

/** The loop callback that settles an awaiter (asyncio's task wakeup, for promise-based code). */
function deliver(fut: Future<unknown>, aw: Awaiter): void {
  const t = aw.task;
  fut._loop._notePromiseActivity();
  let ok = true;
  let value: unknown;
  if (fut._state === FutureState.CANCELLED) {
    ok = false;
    value = fut._makeCancelledError();
  } else if (fut._hasException) {
    fut._markRetrieved();
    ok = false;
    value = fut._result;
  } else value = fut._result;
  if (t !== null) t._gatherWaits?.delete(fut);
  if (t !== null && t._asyncWaiter === fut) {
    t._asyncWaiter = null;
    if (t._mustCancel && !t.done()) {
      // cancel() came after the future was done, before the task resumed: asyncio throws
      // CancelledError into the task at this await instead of the outcome (a CancelledError of
      // the future itself stays, with its message)
      t._mustCancel = false;
      if (!(value instanceof CancelledError)) {
        ok = false;
        value = new CancelledError(t._cancelMessage ?? '');
      }
    }
  }
  resumeFor(t, ok ? aw.resolve : aw.reject, value);
  if (aw.after !== null) aw.after();
}

/** `fut.then(onF, onR)` for the task `t` that looked `then` up (null: none known). */
function futureThen(fut: Future<unknown>, onF: unknown, onR: unknown, t: Runner | null): Promise<unknown> {
  if (isResolvingFunctions(onF, onR)) {
    if (t !== null) {
      if (t.done()) t = null;
      else {
        noteAwaiting(t, fut, fut._wrapsPromise, isPendingAwaitable);
        // a cancellation requested while no awaitable was known applies at this suspension point
        if (t._mustCancel && t._cancelsThroughPromises() && fut.cancel(t._cancelMessage)) t._mustCancel = false;
      }
    }
    const p = _afterPromise();
    fut._addAwaiter(new Awaiter(onF, onR as (e: unknown) => void, t, _takeAfter()));
    return p;
  }
  return fut._promise().then(onF as never, onR as never);
}

/**
 * @internal The promise an await's `then` returns, settled after the awaiter was: made with one
 * shared executor, not a closure per await. `_afterPromise()` then, at once, `_takeAfter()` for
 * its resolve function.
 */
export function _afterPromise(): Promise<void> {
  return new Promise<void>(captureResolve);
}

let captured: (() => void) | null = null;
function captureResolve(resolve: () => void): void {
  captured = resolve;
}

/** @internal the resolve function of the promise `_afterPromise()` just made */
export function _takeAfter(): () => void {
  const r = captured!;
  captured = null;
  return r;
}

/** A pending Future, or a toolkit coroutine (pending until its driver clears the waiter). */
export function isPendingAwaitable(w: object): boolean {
  return w instanceof Future ? !w.done() : true;
}

/** A task awaiting itself would wait forever: asyncio's RuntimeError instead. */
function selfThen(this: Future<unknown>, onF?: unknown, onR?: unknown): Promise<unknown> {
  return Promise.reject(new RuntimeError(`Task cannot await on itself: ${this}`)).then(onF as never, onR as never);
}

function plainThen(this: Future<unknown>, onF?: unknown, onR?: unknown): Promise<unknown> {
  return futureThen(this, onF, onR, null);
}

_setThenImpl('future', futureThen);

/** @internal a cancel() message as stored: null and undefined are none, anything else its string (or a TypeError) */
export function cancelText(msg: unknown): string | undefined {
  return msg === undefined || msg === null ? undefined : toText(msg, 'cancel() message');
}

/** A result or exception in a repr: never throws (repr.ts). */
function reprValue(v: unknown): string {
  return safeRepr(v, 40);
}

/** Whether `v` is a wasmloop Future (a Task included). asyncio: `asyncio.isfuture`. */
export function isFuture(v: unknown): v is Future<unknown> {
  return v instanceof Future;
}

/** @internal the Awaiter class, for coro.ts */
export { Awaiter as _Awaiter };
