/**
 * Future — asyncio.Future: a result that arrives later, bound to one loop.
 *
 * States: PENDING → FINISHED (result or exception) | CANCELLED, once. Done callbacks are never
 * called inline: on completion each is scheduled with `loop.callSoon(cb, fut, context)` in the
 * context it was added with. A Future is a thenable (`await fut`) and iterable, so a generator
 * coroutine can `yield* fut` and get a typed result.
 */
import { Context, copyContext } from './context.js';
import { CancelledError, InvalidStateError, RuntimeError, describe } from './errors.js';

/** What a Future needs from its loop. */
export interface FutureLoop {
  callSoon(cb: (...args: any[]) => unknown, ...args: any[]): unknown;
  callExceptionHandler(ctx: Record<string, unknown>): void;
  getDebug(): boolean;
  /** @internal a promise reaction is about to run for a loop awaitable (the virtual clock waits for it) */
  _notePromiseActivity(): void;
}

export const enum FutureState {
  PENDING = 0,
  CANCELLED = 1,
  FINISHED = 2,
}

const STATE_NAMES = ['PENDING', 'CANCELLED', 'FINISHED'];

export type DoneCallback<T> = (fut: Future<T>) => unknown;

let defaultLoop: (() => FutureLoop) | null = null;
/** @internal set by events.ts: how `new Future()` finds the current loop */
export function _setLoopResolver(fn: () => FutureLoop): void {
  defaultLoop = fn;
}

export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state: FutureState = FutureState.PENDING;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** @internal */ _hasException = false;
  /** @internal */ _loop: FutureLoop;
  /** @internal */ _callbacks: Array<[DoneCallback<T>, Context]> | null = null;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal */ _cancelledExc: CancelledError | null = null;
  /** @internal set when the result or exception was looked at */
  /** @internal */ _retrieved = false;
  /** @internal asyncio's _asyncio_future_blocking: a generator task waits on it */
  _asyncioFutureBlocking = false;

  constructor(opts?: { loop?: FutureLoop }) {
    const loop = opts?.loop ?? (defaultLoop ? defaultLoop() : null);
    if (!loop) throw new TypeError('Future needs a loop');
    this._loop = loop;
  }

  getLoop(): FutureLoop {
    return this._loop;
  }

  done(): boolean {
    return this._state !== FutureState.PENDING;
  }

  cancelled(): boolean {
    return this._state === FutureState.CANCELLED;
  }

  /** The result; throws the exception, CancelledError, or InvalidStateError('Result is not ready.'). */
  result(): T {
    if (this._state === FutureState.CANCELLED) throw this._makeCancelledError();
    if (this._state !== FutureState.FINISHED) throw new InvalidStateError('Result is not ready.');
    this._retrieved = true;
    if (this._hasException) throw this._exception;
    return this._result as T;
  }

  /** The exception (null if it finished with a result); throws if pending or cancelled. */
  exception(): unknown {
    if (this._state === FutureState.CANCELLED) throw this._makeCancelledError();
    if (this._state !== FutureState.FINISHED) throw new InvalidStateError('Exception is not set.');
    this._retrieved = true;
    return this._hasException ? this._exception : null;
  }

  /** Cancels a pending future (its callbacks are scheduled); returns false if it was done. */
  cancel(msg?: string): boolean {
    if (this._state !== FutureState.PENDING) return false;
    this._state = FutureState.CANCELLED;
    this._cancelMessage = msg;
    this._scheduleCallbacks();
    return true;
  }

  setResult(result: T): void {
    if (this._state !== FutureState.PENDING) throw new InvalidStateError(`${STATE_NAMES[this._state]}: ${this}`);
    this._result = result;
    this._state = FutureState.FINISHED;
    this._scheduleCallbacks();
  }

  setException(exception: unknown): void {
    if (this._state !== FutureState.PENDING) throw new InvalidStateError(`${STATE_NAMES[this._state]}: ${this}`);
    if (typeof exception === 'function') {
      try {
        exception = new (exception as new () => unknown)();
      } catch {
        throw new TypeError(`setException() needs an exception instance or class, got ${describe(exception)}`);
      }
    }
    this._exception = exception;
    this._hasException = true;
    this._state = FutureState.FINISHED;
    this._scheduleCallbacks();
  }

  /** Runs `fn(this)` (through callSoon) when the future is done, in `context` or a copy of the current one. */
  addDoneCallback(fn: DoneCallback<T>, context?: Context): void {
    if (typeof fn !== 'function') throw new TypeError(`a callable object was expected by addDoneCallback(), got ${describe(fn)}`);
    if (context !== undefined && !(context instanceof Context)) throw new TypeError(`context must be a Context, got ${describe(context)}`);
    const ctx = context ?? copyContext();
    if (this._state !== FutureState.PENDING) {
      this._loop.callSoon(fn, this, ctx);
    } else {
      (this._callbacks ??= []).push([fn, ctx]);
    }
  }

  /** Removes every registration of `fn`; returns how many there were. */
  removeDoneCallback(fn: DoneCallback<T>): number {
    const cbs = this._callbacks;
    if (!cbs) return 0;
    const kept = cbs.filter(([f]) => f !== fn);
    const removed = cbs.length - kept.length;
    if (removed) this._callbacks = kept;
    return removed;
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this._promise().then(onfulfilled, onrejected);
  }

  catch<R = never>(onrejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this._promise().catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this._promise().finally(onfinally);
  }

  /** `const v = yield* fut` inside a generator coroutine: suspends the task until the future is done. */
  *[Symbol.iterator](): Generator<Future<T>, T, unknown> {
    if (this._state === FutureState.PENDING) {
      this._asyncioFutureBlocking = true;
      yield this;
    }
    if (this._state === FutureState.PENDING) throw new RuntimeError("yield* wasn't used with future");
    return this.result();
  }

  /** @internal a promise settled with this future's outcome */
  private _p: Promise<T> | null = null;
  /** @internal */ _promise(): Promise<T> {
    if (this._p) return this._p;
    const p = new Promise<T>((resolve, reject) => {
      const settle = () => {
        if (this._state === FutureState.CANCELLED) reject(this._makeCancelledError());
        else if (this._hasException) {
          this._retrieved = true;
          reject(this._exception);
        } else resolve(this._result as T);
      };
      if (this._state !== FutureState.PENDING) settle();
      else
        (this._callbacks ??= []).push([
          () => {
            this._loop._notePromiseActivity();
            settle();
          },
          copyContext(),
        ]);
    });
    this._p = p;
    return p;
  }

  /** @internal */ _makeCancelledError(): CancelledError {
    if (this._cancelledExc !== null) return this._cancelledExc;
    const exc = new CancelledError(this._cancelMessage ?? '');
    this._cancelledExc = exc;
    return exc;
  }

  /** @internal */ _scheduleCallbacks(): void {
    const cbs = this._callbacks;
    if (!cbs) return;
    this._callbacks = null;
    for (const [fn, ctx] of cbs) this._loop.callSoon(fn, this, ctx);
  }

  get [Symbol.toStringTag](): string {
    return 'Future';
  }

  protected _reprInfo(): string[] {
    const info = [STATE_NAMES[this._state]!.toLowerCase()];
    if (this._state === FutureState.FINISHED) {
      if (this._hasException) info.push(`exception=${reprValue(this._exception)}`);
      else info.push(`result=${reprValue(this._result)}`);
    }
    if (this._callbacks && this._callbacks.length) info.push(`cb=[${this._callbacks.map(([f]) => f.name || '<anonymous>').join(', ')}]`);
    return info;
  }

  toString(): string {
    return `<${this.constructor.name} ${this._reprInfo().join(' ')}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function reprValue(v: unknown): string {
  if (v instanceof Error) return `${v.name}(${JSON.stringify(v.message)})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'object' && v !== null) return String(v) === '[object Object]' ? '{…}' : String(v);
  return String(v);
}

export function isFuture(v: unknown): v is Future<unknown> {
  return v instanceof Future;
}
