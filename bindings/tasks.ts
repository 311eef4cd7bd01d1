/**
 * Task — asyncio.Task: a Future that drives a coroutine on its loop.
 *
 * Two kinds of coroutine:
 * - generator coroutines (`function*` yielding wasmloop awaitables through `yield*`): stepped by
 *   the loop exactly as asyncio steps coroutines. Each step is a loop callback run in the task's
 *   context; the task suspends on the Future it was handed, and `cancel()` throws CancelledError
 *   into the generator at that suspension point;
 * - async functions and promises: run by the host's promise machinery; the task starts them on
 *   its first step and settles when their promise settles. `cancel()` cancels the wasmloop
 *   Future they are known to await (see README, "Generator tasks and async-function tasks").
 *
 * Invariants: a task is in `allTasks()` from creation until done; at most one step is scheduled
 * at a time; `_futWaiter` is the Future a suspended generator task waits on, else null.
 */
import { Context, copyContext } from './context.js';
import { CancelledError, InvalidStateError, RuntimeError, describe } from './errors.js';
import { Future, FutureState } from './futures.js';
import type { EventLoop } from './loop.js';
import { _setTaskHooks } from './loop.js';

export type Coroutine<T> = Generator<unknown, T, any>;
export type CoroutineLike<T> = Coroutine<T> | PromiseLike<T> | (() => Coroutine<T> | PromiseLike<T> | T);

export interface TaskOptions {
  name?: string;
  context?: Context;
}

const currentTasks = new WeakMap<object, Task<unknown> | null>();
const liveTasks = new WeakMap<object, Set<Task<unknown>>>();
let taskCounter = 0;

function loopTasks(loop: EventLoop): Set<Task<unknown>> {
  let s = liveTasks.get(loop);
  if (!s) liveTasks.set(loop, (s = new Set()));
  return s;
}

export function isGenerator(v: unknown): v is Coroutine<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as any).next === 'function' && typeof (v as any).throw === 'function' && typeof (v as any)[Symbol.iterator] === 'function';
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as any).then === 'function';
}

export class Task<T = unknown> extends Future<T> {
  /** @internal */ _coro: Coroutine<T> | null = null;
  /** @internal */ _start: (() => unknown) | null = null;
  /** @internal */ _promiseLike: PromiseLike<T> | null = null;
  /** @internal */ _name: string;
  /** @internal */ _context: Context;
  /** @internal */ _futWaiter: Future<unknown> | null = null;
  /** @internal */ _mustCancel = false;
  /** @internal */ _numCancelsRequested = 0;
  /** @internal */ _isAsync = false;
  private readonly _stepFn = (exc?: unknown) => this._step(exc);
  private readonly _wakeupFn = (fut: Future<unknown>) => this._wakeup(fut);

  constructor(coro: CoroutineLike<T>, opts: TaskOptions & { loop: EventLoop; eagerStart?: boolean }) {
    super({ loop: opts.loop });
    if (opts.context !== undefined && !(opts.context instanceof Context)) throw new TypeError(`context must be a Context, got ${describe(opts.context)}`);
    if (isGenerator(coro)) this._coro = coro as Coroutine<T>;
    else if (typeof coro === 'function') this._start = coro as () => unknown;
    else if (isThenable(coro)) {
      this._promiseLike = coro as PromiseLike<T>;
      this._isAsync = true;
    } else throw new TypeError(`a coroutine was expected, got ${describe(coro)}`);
    this._name = opts.name !== undefined ? String(opts.name) : `Task-${++taskCounter}`;
    this._context = opts.context ?? copyContext();
    const loop = opts.loop;
    loopTasks(loop).add(this as Task<unknown>);
    if (opts.eagerStart && loop.isRunning()) {
      this._eagerStep();
    } else {
      loop.callSoon(this._stepFn, undefined, this._context);
    }
  }

  getName(): string {
    return this._name;
  }

  setName(name: unknown): void {
    this._name = String(name);
  }

  getCoro(): Coroutine<T> | PromiseLike<T> | null {
    return this._coro ?? this._promiseLike;
  }

  getContext(): Context {
    return this._context;
  }

  /** Tasks are done through their coroutine only. */
  override setResult(_result: T): never {
    throw new RuntimeError('Task does not support setResult operation');
  }

  override setException(_exception: unknown): never {
    throw new RuntimeError('Task does not support setException operation');
  }

  /** Requests cancellation: CancelledError is thrown into the coroutine at its next resumption. */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    this._numCancelsRequested++;
    if (this._futWaiter !== null && this._futWaiter.cancel(msg)) {
      // the wake-up will throw CancelledError into the coroutine
      return true;
    }
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending. */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Decrements the pending cancellation requests; returns what is left. */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  protected override _reprInfo(): string[] {
    const info = super._reprInfo();
    if (this._mustCancel) info[0] = 'cancelling';
    info.splice(1, 0, `name=${JSON.stringify(this._name)}`);
    if (this._futWaiter !== null) info.push(`wait_for=${this._futWaiter}`);
    return info;
  }

  override get [Symbol.toStringTag](): string {
    return 'Task';
  }

  // ---- stepping -------------------------------------------------------------------------------

  private _eagerStep(): void {
    const loop = this._loop as EventLoop;
    const prev = currentTasks.get(loop) ?? null;
    // an eager step runs synchronously inside whatever task created it
    currentTasks.set(loop, null);
    try {
      this._context.run(this._stepFn);
    } finally {
      currentTasks.set(loop, prev);
    }
  }

  /** @internal */ _step(exc?: unknown): void {
    if (this.done()) throw new InvalidStateError(`_step(): already done: ${this}, ${exc}`);
    if (this._mustCancel) {
      if (!(exc instanceof CancelledError)) exc = this._makeCancelledError();
      this._mustCancel = false;
    }
    this._futWaiter = null;
    const loop = this._loop as EventLoop;
    enterTask(loop, this as Task<unknown>);
    try {
      if (this._coro !== null) this._stepGenerator(exc);
      else this._stepAsync(exc);
    } finally {
      leaveTask(loop, this as Task<unknown>);
    }
  }

  private _stepGenerator(exc: unknown): void {
    const coro = this._coro!;
    let r: IteratorResult<unknown, T>;
    try {
      r = exc === undefined ? coro.next(undefined) : coro.throw(exc);
    } catch (e) {
      this._finishWithError(e);
      return;
    }
    if (r.done) {
      this._finishWithResult(r.value);
      return;
    }
    this._suspendOn(r.value);
  }

  /** First step of an async-function task: call it; afterwards the promise settles the task. */
  private _stepAsync(exc: unknown): void {
    if (exc !== undefined) {
      // cancelled before it started: it never starts
      this._finishWithError(exc);
      return;
    }
    let value: unknown;
    if (this._start !== null) {
      const start = this._start;
      this._start = null;
      try {
        value = start();
      } catch (e) {
        this._finishWithError(e);
        return;
      }
      if (isGenerator(value)) {
        this._coro = value as Coroutine<T>;
        this._stepGenerator(undefined);
        return;
      }
      if (!isThenable(value)) {
        this._finishWithResult(value as T);
        return;
      }
      this._promiseLike = value as PromiseLike<T>;
    }
    this._isAsync = true;
    const loop = this._loop as EventLoop;
    loop._promiseBridges++;
    let settled = false;
    const settle = (ok: boolean, v: unknown) => {
      if (settled) return;
      settled = true;
      loop._promiseBridges--;
      if (this.done()) return;
      if (ok) this._finishWithResult(v as T);
      else this._finishWithError(v);
    };
    this._promiseLike!.then(
      (v) => settle(true, v),
      (e) => settle(false, e),
    );
  }

  private _suspendOn(yielded: unknown): void {
    const loop = this._loop as EventLoop;
    if (yielded instanceof Future) {
      if (yielded.getLoop() !== loop) {
        const err = new RuntimeError(`Task ${this} got Future ${yielded} attached to a different loop`);
        loop.callSoon(this._stepFn, err, this._context);
        return;
      }
      if (yielded === (this as unknown)) {
        loop.callSoon(this._stepFn, new RuntimeError(`Task cannot await on itself: ${this}`), this._context);
        return;
      }
      if (!yielded._asyncioFutureBlocking) {
        loop.callSoon(this._stepFn, new RuntimeError(`yield was used instead of yield* in task ${this} with ${yielded}`), this._context);
        return;
      }
      yielded._asyncioFutureBlocking = false;
      yielded.addDoneCallback(this._wakeupFn, this._context);
      this._futWaiter = yielded;
      if (this._mustCancel && yielded.cancel(this._cancelMessage)) this._mustCancel = false;
      return;
    }
    if (yielded === undefined || yielded === null) {
      // a bare `yield`: give other callbacks one iteration (asyncio's sleep(0))
      loop.callSoon(this._stepFn, undefined, this._context);
      return;
    }
    if (isThenable(yielded)) {
      const fut = wrapThenable(yielded, loop);
      fut._asyncioFutureBlocking = true;
      this._suspendOn(fut);
      return;
    }
    loop.callSoon(this._stepFn, new RuntimeError(`Task got bad yield: ${describe(yielded)}`), this._context);
  }

  private _wakeup(_fut: Future<unknown>): void {
    // the generator's `yield* fut` reads fut.result() itself, which throws its exception in place
    this._step();
  }

  private _finishWithResult(v: T): void {
    if (this._mustCancel) {
      this._mustCancel = false;
      Future.prototype.cancel.call(this, this._cancelMessage);
    } else Future.prototype.setResult.call(this, v);
    loopTasks(this._loop as EventLoop).delete(this as Task<unknown>);
  }

  private _finishWithError(e: unknown): void {
    if (e instanceof CancelledError) {
      this._cancelledExc = e;
      if (this._cancelMessage === undefined && e.message) this._cancelMessage = e.message;
      Future.prototype.cancel.call(this, this._cancelMessage);
    } else Future.prototype.setException.call(this, e);
    loopTasks(this._loop as EventLoop).delete(this as Task<unknown>);
  }
}

function enterTask(loop: EventLoop, task: Task<unknown>): void {
  const cur = currentTasks.get(loop) ?? null;
  if (cur !== null) throw new RuntimeError(`Cannot enter into task ${task} while another task ${cur} is being executed.`);
  currentTasks.set(loop, task);
}

function leaveTask(loop: EventLoop, task: Task<unknown>): void {
  const cur = currentTasks.get(loop) ?? null;
  if (cur !== task) throw new RuntimeError(`Leaving task ${task} does not match the current task ${cur}.`);
  currentTasks.set(loop, null);
}

/** The task whose step is running on `loop` (default: the running loop), or null. */
export function currentTaskOf(loop: EventLoop): Task<unknown> | null {
  return currentTasks.get(loop) ?? null;
}

/** The loop's tasks that are not done yet. */
export function allTasksOf(loop: EventLoop): Set<Task<unknown>> {
  const out = new Set<Task<unknown>>();
  for (const t of loopTasks(loop)) if (!t.done()) out.add(t);
  return out;
}

/** A Future that settles with a promise (or other thenable). */
export function wrapThenable<T>(p: PromiseLike<T>, loop: EventLoop): Future<T> {
  const fut = new Future<T>({ loop });
  loop._promiseBridges++;
  let settled = false;
  const settle = (fn: () => void) => {
    if (settled) return;
    settled = true;
    loop._promiseBridges--;
    if (!fut.done() && !loop.isClosed()) fn();
  };
  p.then(
    (v) => settle(() => fut.setResult(v)),
    (e) => settle(() => (e instanceof CancelledError ? fut.cancel(e.message || undefined) : fut.setException(e))),
  );
  return fut;
}

export type TaskFactory = (loop: EventLoop, coro: CoroutineLike<unknown>, opts: TaskOptions) => Future<unknown>;

/** Wraps `aw` in a Future: a Future as is, a coroutine in a Task, a promise in a Future. */
export function ensureFutureOn<T>(aw: unknown, loop: EventLoop): Future<T> {
  if (aw instanceof Future) {
    if (aw.getLoop() !== loop) throw new Error('The future belongs to a different loop than the one specified as the loop argument');
    return aw as Future<T>;
  }
  if (isGenerator(aw) || (typeof aw === 'function' && typeof (aw as { then?: unknown }).then !== 'function')) return createTaskOn(loop, aw as CoroutineLike<T>) as Future<T>;
  if (isThenable(aw)) return wrapThenable(aw as PromiseLike<T>, loop);
  throw new TypeError(`An asyncio.Future, a coroutine or an awaitable is required, got ${describe(aw)}`);
}

/** loop.createTask: through the loop's task factory when one is set. */
export function createTaskOn<T>(loop: EventLoop, coro: CoroutineLike<T>, opts: TaskOptions = {}): Task<T> {
  const factory = loop._extra.taskFactory as TaskFactory | undefined;
  if (factory) return factory(loop, coro as CoroutineLike<unknown>, opts) as Task<T>;
  return new Task<T>(coro, { ...opts, loop });
}

/** A task factory that starts each task's first step at once, inside createTask (Python 3.12's eager_task_factory). */
export const eagerTaskFactory: TaskFactory = (loop, coro, opts) => new Task(coro, { ...opts, loop, eagerStart: true });

_setTaskHooks({ ensureFuture: ensureFutureOn, createTask: (loop, coro, opts) => createTaskOn(loop, coro as CoroutineLike<unknown>, opts) });

export { FutureState };
