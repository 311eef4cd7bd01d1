/**
 * Toolkit coroutines: one implementation for both kinds of task.
 *
 * A toolkit operation that may wait (`queue.get()`, `lock.acquire()`, `waitFor(...)`, …) is a
 * generator function written as asyncio writes the coroutine, and its generator objects are also
 * thenable (their prototype is `CoroPrototype`, which adds a `then` getter):
 * - in a generator task, `yield* queue.get()` delegates to it: it runs inside the task's steps,
 *   exactly as asyncio's `await queue.get()` runs inside the task;
 * - `await queue.get()` drives it inline with a `Driver`: each segment runs in a loop callback (the
 *   first in `then`) on behalf of the awaiting task (attribution.ts), suspends on the Futures it
 *   yields, and `cancel()` of the awaiting task throws CancelledError into it at its suspension
 *   point — so the code after a wait (asyncio's "claim the lock after waking up") runs at the same
 *   point in both kinds of task.
 *
 * A coroutine object runs once: awaiting it a second time throws RuntimeError, as in Python.
 */
import { copyContext, type Context } from './context.js';
import { CancelledError, RuntimeError, describe } from './errors.js';
import { Future, _afterPromise, _takeAfter, isPendingAwaitable } from './futures.js';
import { ARGS_NONE } from './handles.js';
import { getRunningLoop } from './events.js';
import type { EventLoop } from './loop.js';
import { _enterContext, _exitContext } from './context.js';
import { _setThenImpl, isResolvingFunctions, marksOf, noteAwaiting, noteSettled, noteThenRead, resumeFor, running, swapRunning, type Runner } from './attribution.js';
import { _addCancelHook, _setCoroWaitingOn, isGenerator } from './tasks.js';

/** A toolkit coroutine: `yield*` it in a generator task, `await` it in async code. */
export type Coro<T> = Generator<unknown, T, unknown> & PromiseLike<T>;

const DRIVER: unique symbol = Symbol('wasmloop.driver');


interface CoroObject extends Generator<unknown, unknown, unknown> {
  [DRIVER]?: Driver | null;
}

const GeneratorPrototype = Object.getPrototypeOf(function* () {}).prototype as object;

/** The prototype of toolkit coroutine objects: a generator that is also a thenable. */
const CoroPrototype: object = Object.create(GeneratorPrototype, {
  then: {
    get(this: CoroObject) {
      const t = running;
      if (t === null) return plainCoroThen;
      noteThenRead(t);
      return marksOf(t).coroThen;
    },
    configurable: true,
  },
});

/** Makes the generator objects of `fn` toolkit coroutines (thenable). */
export function coroutine<A extends unknown[], T>(fn: (...args: A) => Generator<unknown, T, any>): (...args: A) => Coro<T> {
  Object.setPrototypeOf(fn.prototype, CoroPrototype);
  return fn as unknown as (...args: A) => Coro<T>;
}

/** Runs one toolkit coroutine for an `await` (or a `then`), on behalf of the awaiting task. */
class Driver {
  private waiting: Future<unknown> | null = null;
  private mustCancel = false;
  private cancelMsg: string | undefined = undefined;
  private finished = false;
  private readonly ctx: Context;
  /** the done callback that resumes it, made when it first waits (most awaits of a toolkit coroutine never do) */
  private wakeup1: (() => void) | null = null;

  constructor(
    private readonly gen: CoroObject,
    private readonly resolve: (v: unknown) => void,
    private readonly reject: (e: unknown) => void,
    /** settles the promise `then` returned, after resolve/reject */
    private readonly after: (() => void) | null,
    /** the awaiting task, when known */
    private readonly task: Runner | null,
    /** an `await` (the engine's resolving functions): resume the task as its marked continuation */
    private readonly awaited: boolean,
  ) {
    this.ctx = task !== null ? task._context : copyContext();
  }

  private get wakeup(): () => void {
    return (this.wakeup1 ??= () => this.step(undefined));
  }

  /** The Future the coroutine is suspended on, else null. */
  waitingOn(): Future<unknown> | null {
    return this.finished ? null : this.waiting;
  }

  start(): void {
    const t = this.task;
    if (this.awaited && t !== null) {
      noteAwaiting(t, this.gen, false, isPendingAwaitable);
      if (t._mustCancel && t._cancelsThroughPromises()) {
        // cancel() came while nothing was known to be awaited: it applies at this await
        t._mustCancel = false;
        this.mustCancel = true;
        this.cancelMsg = t._cancelMessage;
      }
    }
    this.step(undefined);
  }

  /** asyncio's Task.cancel, for the inline coroutine. False when nothing could be reached now. */
  cancel(msg: string | undefined): boolean {
    if (this.finished) return false;
    const w = this.waiting;
    if (w !== null) {
      // a promise wrapper: the promise's own code is reached through the task, not here
      if (w._wrapsPromise) return false;
      if (w.cancel(msg)) return true;
    }
    this.mustCancel = true;
    this.cancelMsg = msg;
    return true;
  }

  private step(exc: unknown): void {
    if (this.mustCancel) {
      if (!(exc instanceof CancelledError)) exc = new CancelledError(this.cancelMsg ?? '');
      this.mustCancel = false;
    }
    this.waiting = null;
    const gen = this.gen;
    const t = this.task;
    // run on behalf of the awaiting task (attribution.ts' runAs, without a closure per step)
    const swap = t !== null && running !== t;
    const prev = swap ? swapRunning(t) : null;
    const prevCtx = swap ? _enterContext(t._context) : null;
    let r: IteratorResult<unknown, unknown>;
    try {
      r = exc === undefined ? gen.next(undefined) : gen.throw(exc);
    } catch (e) {
      this.finish(false, e);
      return;
    } finally {
      if (swap) {
        swapRunning(prev);
        if (prevCtx !== null) _exitContext(t._context, prevCtx);
      }
    }
    if (r.done) {
      this.finish(true, r.value);
      return;
    }
    const y = r.value;
    if (y instanceof Future) {
      if (!y._asyncioFutureBlocking) {
        this.later(y.getLoop() as EventLoop, new RuntimeError(`yield was used instead of yield* in coroutine with ${y}`));
        return;
      }
      y._asyncioFutureBlocking = false;
      this.waiting = y;
      y._addOwnDone(this.wakeup, this.ctx); // the driver's own arrow function: no callable check
      if (this.awaited && t !== null && !y._wrapsPromise && !t.done()) {
        // the awaiting task is suspended here now (inner awaits that settled no longer hold it)
        noteAwaiting(t, gen, false, isPendingAwaitable);
        if (t._mustCancel && y.cancel(t._cancelMessage)) t._mustCancel = false;
      }
      if (this.mustCancel && y.cancel(this.cancelMsg)) this.mustCancel = false;
      return;
    }
    const loop = (this.task?._loop as EventLoop | undefined) ?? getRunningLoop();
    // from inside a step: nobody could be told of a refusal, so these wait for a slot instead (loop.ts _soonAlways)
    if (y === undefined || y === null) loop._soonAlways(this.wakeup, undefined, ARGS_NONE, this.ctx);
    else this.later(loop, new RuntimeError(`coroutine got bad yield: ${describe(y)}`));
  }

  private later(loop: EventLoop, exc: unknown): void {
    loop._soonAlways(() => this.step(exc), undefined, ARGS_NONE, this.ctx);
  }

  private finish(ok: boolean, value: unknown): void {
    this.finished = true;
    const t = this.awaited ? this.task : null;
    if (t !== null) noteSettled(t, this.gen);
    const loop = this.task?._loop as EventLoop | undefined;
    loop?._notePromiseActivity();
    resumeFor(t, ok ? this.resolve : this.reject, value);
    if (this.after !== null) this.after();
  }
}

function coroThen(gen: CoroObject, onF: unknown, onR: unknown, t: Runner | null): Promise<unknown> {
  if (gen[DRIVER] !== undefined) throw new RuntimeError('cannot reuse already awaited coroutine');
  if (t !== null && t.done()) t = null;
  if (isResolvingFunctions(onF, onR)) {
    const p = _afterPromise();
    const d = new Driver(gen, onF, onR as (e: unknown) => void, _takeAfter(), t, true);
    gen[DRIVER] = d;
    d.start();
    return p;
  }
  return new Promise((resolve, reject) => {
    const d = new Driver(gen, resolve, reject, null, t, false);
    gen[DRIVER] = d;
    d.start();
  }).then(onF as never, onR as never);
}

function plainCoroThen(this: CoroObject, onF?: unknown, onR?: unknown): Promise<unknown> {
  return coroThen(this, onF, onR, null);
}

_setThenImpl('coro', coroThen);

_addCancelHook((w, msg) => {
  const d = (w as CoroObject)[DRIVER];
  if (d === undefined) return isGenerator(w) ? false : undefined;
  return d === null ? false : d.cancel(msg);
});

// the Future an awaited toolkit coroutine is suspended on, for toolkit/graph.ts (through tasks.ts)
_setCoroWaitingOn((w) => {
  const d = (w as CoroObject)[DRIVER];
  return d === undefined || d === null ? null : d.waitingOn();
});

/** Whether `v` is a toolkit coroutine object. */
export function isCoro(v: unknown): v is Coro<unknown> {
  return v !== null && typeof v === 'object' && CoroPrototype.isPrototypeOf(v);
}
