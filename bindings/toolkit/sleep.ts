/**
 * sleep(delay, result?) — asyncio.sleep as a Future: `yield* sleep(1)` in a generator task,
 * `await sleep(1)` anywhere. Called inside a loop (a task's code or a callback), its timer starts
 * at once (a coroutine in asyncio starts when awaited). Called where no loop runs — before the
 * loop that will run it started, as in asyncio's `loop.run_until_complete(asyncio.sleep(1))` —
 * it is *unbound*: it binds to the first loop that uses it (the runner it is handed to, the task
 * that awaits it) and its timer starts then; used where no loop runs, it throws RuntimeError('no
 * running event loop…'), and it never binds to a loop nobody runs. Cancelling the future cancels
 * its timer.
 *
 * `sleep(0)` (or a negative delay) gives up exactly one loop iteration, as asyncio's does: in a
 * generator task it is a bare `yield`; awaited, it resumes at the next iteration.
 */
import type { Context } from '../context.js';
import { Future, type DoneCallback, type FutureLoop } from '../futures.js';
import type { TimerHandle } from '../handles.js';
import type { EventLoop } from '../loop.js';
import { running } from '../attribution.js';
import { getRunning } from '../thread-state.js';
import { callerLoop, checkSeconds } from './base.js';

/** The loop of an unbound sleep until it binds: whatever needs a loop binds it to the caller's. */
class Unbound implements FutureLoop {
  fut!: SleepFuture<unknown>;
  callSoon(cb: (...args: any[]) => unknown, ...args: any[]): unknown {
    return this.fut._bind(callerLoop('sleep')).callSoon(cb, ...args);
  }
  _soonAlways(cb: (...args: any[]) => unknown, arg: unknown, kind: number, ctx: Context | null): unknown {
    return this.fut._bind(callerLoop('sleep'))._soonAlways(cb, arg, kind, ctx);
  }
  callExceptionHandler(ctx: Record<string, unknown>): void {
    this.fut._bind(callerLoop('sleep')).callExceptionHandler(ctx);
  }
  getDebug(): boolean {
    return false;
  }
  _notePromiseActivity(): void {
    this.fut._bind(callerLoop('sleep'))._notePromiseActivity();
  }
}

class SleepFuture<T> extends Future<T> {
  /** @internal */ _handle: TimerHandle | null = null;
  private readonly _zero: boolean;
  /** @internal while unbound: the delay and result its timer will use */
  private _pending: { delay: number; result: T } | null = null;

  constructor(loop: EventLoop | null, delay: number, result: T) {
    super({ loop: loop ?? new Unbound() });
    this._zero = !(delay > 0);
    if (loop === null) {
      (this._loop as Unbound).fut = this as SleepFuture<unknown>;
      if (!this._zero) this._pending = { delay, result };
    }
    if (this._zero) this.setResult(result);
    else if (loop !== null) this._handle = loop.callLater(delay, wake, this, result);
  }

  /** @internal binds an unbound sleep to `loop` (its timer starts now); returns its loop */
  _bind(loop: EventLoop): FutureLoop {
    if (!(this._loop instanceof Unbound)) return this._loop;
    this._loop = loop;
    const p = this._pending;
    this._pending = null;
    if (p !== null && !this.done()) this._handle = loop.callLater(p.delay, wake, this, p.result);
    return loop;
  }

  /** @internal a runner (runUntilComplete, ensureFuture) adopts an unbound sleep */
  _bindLazy(loop: EventLoop): void {
    this._bind(loop);
  }

  override getLoop(): FutureLoop {
    return this._loop instanceof Unbound ? this._bind(callerLoop('sleep')) : this._loop;
  }

  override get then(): Future<T>['then'] {
    if (this._loop instanceof Unbound) this._bind(callerLoop('sleep'));
    return super.then;
  }

  override addDoneCallback(fn: DoneCallback<T>, context?: Context): void {
    // a wait() or gather() running in a loop adopts it
    if (this._loop instanceof Unbound && (running !== null || getRunning() !== null)) this._bind(callerLoop('sleep'));
    super.addDoneCallback(fn, context);
  }

  /** @internal */ override get _yieldsOnce(): boolean {
    return this._zero;
  }

  override cancel(msg?: string): boolean {
    this._pending = null;
    if (!super.cancel(msg)) return false;
    this._handle?.cancel();
    this._handle = null;
    return true;
  }

  // not a generator method itself: `yield* sleep(1)` runs one generator (Future's), not two
  override [Symbol.iterator](): Generator<unknown, T, unknown> {
    if (this._loop instanceof Unbound) this._bind(callerLoop('sleep'));
    return this._zero ? yieldOnce(this) : super[Symbol.iterator]();
  }
}

/** `yield* sleep(0)`: one iteration, like asyncio's bare yield in sleep(0). */
function* yieldOnce<T>(fut: SleepFuture<T>): Generator<unknown, T, unknown> {
  yield;
  return fut.result();
}

function wake<T>(fut: SleepFuture<T>, result: T): void {
  fut._handle = null;
  if (!fut.done()) fut.setResult(result);
}

/**
 * A Future that resolves with `result` after `delay` seconds of loop time (unbound until used, where
 * no loop runs). TypeError for a delay that is not a number, RangeError for NaN. asyncio:
 * `asyncio.sleep`.
 */
export function sleep(delay: number): Future<void>;
export function sleep<T>(delay: number, result: T): Future<T>;
export function sleep<T>(delay: number, result?: T): Future<T | undefined> {
  checkSeconds(delay, 'sleep', 'delay', false);
  const loop = running !== null || getRunning() !== null ? callerLoop() : null;
  return new SleepFuture(loop, delay, result);
}
