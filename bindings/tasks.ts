/**
 * Task — asyncio.Task: a Future that drives a coroutine on its loop.
 *
 * Two kinds of coroutine:
 * - generator coroutines (`function*` that `yield*` wasmloop awaitables): stepped by the loop
 *   exactly as asyncio steps coroutines. Each step is a loop callback run in the task's context
 *   with the task current; the task suspends on the Future the generator handed over
 *   (`_futWaiter`), and `cancel()` cancels that Future, or throws CancelledError into the
 *   generator at its next step;
 * - async functions and promises: the first step calls the function (its first segment runs as
 *   the task's step); the promise's reactions then run in the host's microtask queue and the
 *   task settles when the promise does. Its later segments run on the task's behalf when a
 *   wasmloop awaitable resumed them (attribution.ts), and `cancel()` reaches the last wasmloop
 *   awaitable awaited on its behalf (`_asyncWaiter`). README, "Generator tasks and async-function
 *   tasks", says precisely what differs.
 *
 * Invariants: a task is in its loop's task set from its first step's scheduling until done; at most one step is
 * scheduled at a time; `_futWaiter` is the Future a suspended generator task waits on, else null.
 */
import { Context, copyContext } from './context.js';
import { CancelledError, InvalidStateError, RuntimeError, describe } from './errors.js';
import { isInstance, nameOf, peek, safeRepr, toText } from './repr.js';
import { Future, FutureState, cancelText } from './futures.js';
import { ARGS_NONE, ARGS_ONE, TASK_OF, noteOwnFile } from './handles.js';
import type { EventLoop } from './loop.js';
import { running, swapRunning, type Marks, type Runner } from './attribution.js';

noteOwnFile(new Error().stack); // this file's frames are wasmloop's own (handles.ts firstUserFrame)


/**
 * A generator coroutine: a generator function's generator that `yield*`s wasmloop awaitables and
 * returns a `T` (API.md §6.2).
 */
export type Coroutine<T> = Generator<unknown, T, any>;
/**
 * What a Task can drive: a generator coroutine, a promise, or a function returning either (an async
 * function included).
 */
export type CoroutineLike<T> = Coroutine<T> | PromiseLike<T> | (() => Coroutine<T> | PromiseLike<T> | T);

/** Options of `createTask` (asyncio's `name` and `context` keyword arguments). */
export interface TaskOptions {
  /** The task's name (default `Task-<n>`). */
  name?: string;
  /** The context the task runs in (default: a copy of the current one). */
  context?: Context;
}

/** Per-loop task state, kept in `loop._extra.tasks`. */
interface LoopTasks {
  pending: Set<Task<unknown>>;
}

function loopTasks(loop: EventLoop): LoopTasks {
  let s = loop._extra.tasks as LoopTasks | undefined;
  if (s === undefined) loop._extra.tasks = s = { pending: new Set() };
  return s;
}

let taskCounter = 0;

/** A generator object (or one shaped like it), told by data properties only: no getter runs. */
export function isGenerator(v: unknown): v is Coroutine<unknown> {
  if (v === null || typeof v !== 'object') return false;
  if (plainGenerator(v)) return true;
  return typeof peek(v, 'next') === 'function' && typeof peek(v, 'throw') === 'function' && typeof peek(v, Symbol.iterator) === 'function';
}

/** %GeneratorPrototype%: `next` and `throw` (and, on its prototype, `Symbol.iterator`) are its own data functions. */
const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()) as object) as object;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The common case, told without a descriptor per property (peek's walk made three per check, two
 * checks per task): a generator function's generator, with neither it nor its function's
 * `prototype` holding its own `next`, `throw` or `Symbol.iterator`, finds them on
 * %GeneratorPrototype% (whose own are assumed left as the language made them).
 */
function plainGenerator(v: object): boolean {
  try {
    const p = Object.getPrototypeOf(v) as object | null;
    if (p === null || Object.getPrototypeOf(p) !== GeneratorPrototype) return false;
    return !hasOwn.call(v, 'next') && !hasOwn.call(v, 'throw') && !hasOwn.call(v, Symbol.iterator) && !hasOwn.call(p, 'next') && !hasOwn.call(p, 'throw') && !hasOwn.call(p, Symbol.iterator);
  } catch {
    return false; // a Proxy's trap that throws: the slow path tells
  }
}

/** An async generator object: not a coroutine (its promises come one per step, with no outcome). */
function isAsyncGenerator(v: unknown): boolean {
  return v !== null && typeof v === 'object' && typeof peek(v, 'next') === 'function' && typeof peek(v, Symbol.asyncIterator) === 'function';
}

/** A thenable, as `await` sees it (a `then` getter runs, as it does for await); a `then` that throws: not one. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  try {
    return typeof (v as any).then === 'function';
  } catch {
    return false;
  }
}

const cancelHooks: Array<(w: object, msg: string | undefined) => boolean | undefined> = [];
/** @internal coro.ts teaches cancel() how to cancel a toolkit coroutine an async task awaits */
export function _addCancelHook(fn: (w: object, msg: string | undefined) => boolean | undefined): void {
  cancelHooks.push(fn);
}

let coroWaitingOn: (w: object) => Future<unknown> | null = () => null;
/**
 * @internal coro.ts, when loaded, teaches the call graph (toolkit/graph.ts waitedOn) which Future an
 * awaited toolkit coroutine is suspended on; until then no toolkit coroutine exists. A registry, not
 * an import of coro.ts, so remote.inspect() does not bring the toolkit's coroutines into a bundle.
 */
export function _setCoroWaitingOn(fn: (w: object) => Future<unknown> | null): void {
  coroWaitingOn = fn;
}
/** @internal the Future an awaited toolkit coroutine `w` is suspended on, else null */
export const coroWaitingOnOf = (w: object): Future<unknown> | null => coroWaitingOn(w);

/** @internal Cancels what promise-based code awaits on a task's behalf: a Future, or a toolkit coroutine. */
export function cancelAwaitable(w: object, msg: string | undefined): boolean {
  if (w instanceof Future) return w.cancel(msg);
  for (const h of cancelHooks) {
    const r = h(w, msg);
    if (r !== undefined) return r;
  }
  return false;
}

/**
 * asyncio's Task (API.md §6.2, §6.3): drives a coroutine — a generator stepped as asyncio steps
 * coroutines, or an async function or promise followed through the host's promise machinery — and
 * finishes with its outcome. Made by `loop.createTask()`/`createTask()`; `new Task()` is for task
 * factories. TypeError for something that is not a coroutine.
 */
export class Task<T = unknown> extends Future<T> implements Runner {
  /** @internal */ _coro: Coroutine<T> | null = null;
  /** @internal */ _start: (() => unknown) | null = null;
  /** @internal */ _promiseLike: PromiseLike<T> | null = null;
  /** @internal the name, or the number of a default name `Task-<n>` until it is asked for (no string per task) */
  /** @internal */ _name: string | number;
  /** @internal the coroutine for repr (`_coroRepr`): what it is, or the function whose `name()` it is until asked for */
  /** @internal */ _coroInfo: string | Function;
  /** @internal */ _context: Context;
  /** @internal */ _futWaiter: Future<unknown> | null = null;
  /** @internal */ _asyncWaiter: object | null = null;
  /** @internal */ _asyncWaiterSegment = 0;
  /** @internal */ _thenReadSegment = -1;
  /** @internal */ _segment = 0;
  /** @internal */ _mustCancel = false;
  /** @internal */ _numCancelsRequested = 0;
  /** @internal */ _marks: Marks | null = null;
  /** @internal */ _gathering = 0;
  /** @internal */ _gatherWaits: Set<object> | null = null;
  /** @internal a bare `yield promise`: its wrapper, whose outcome is sent into the generator */
  /** @internal */ _bareAwait: Future<unknown> | null = null;
  private readonly _stepFn: (exc?: unknown) => void;
  /** the wakeup callback, made the first time the task suspends on a future (most leaf tasks never do) */
  private _wakeup1: ((fut: Future<unknown>) => void) | null = null;

  constructor(coro: CoroutineLike<T>, opts: TaskOptions & { loop: EventLoop; eagerStart?: boolean }) {
    super({ loop: opts.loop });
    const taskStep = (exc?: unknown) => this._step(exc);
    (taskStep as { [TASK_OF]?: object })[TASK_OF] = this;
    this._stepFn = taskStep;
    if (opts.context !== undefined && !isInstance(opts.context, Context)) throw new TypeError(`context must be a Context, got ${describe(opts.context)}`);
    if (isGenerator(coro)) this._coro = coro as Coroutine<T>;
    else if (coro instanceof Future) throw new TypeError(`a coroutine was expected, got ${coro}`);
    else if (isAsyncGenerator(coro)) throw new TypeError('a coroutine was expected, got an async generator');
    else if (typeof coro === 'function') this._start = coro as () => unknown;
    else if (isThenable(coro)) this._promiseLike = coro as PromiseLike<T>;
    else throw new TypeError(`a coroutine was expected, got ${describe(coro)}`);
    this._coroInfo = typeof coro === 'function' ? coro : this._coro !== null ? 'generator' : 'promise';
    this._name = opts.name !== undefined ? toText(opts.name, 'task name') : ++taskCounter;
    this._context = opts.context ?? copyContext();
    const loop = opts.loop;
    const eager = opts.eagerStart === true && loop.isRunning();
    if (eager && this._context._entered) throw new RuntimeError(`cannot enter context: ${this._context} is already entered`);
    if (eager) {
      loopTasks(loop).pending.add(this as Task<unknown>);
      if (loop._tracer !== null) loop._tracer.taskBegin(this, taskStep, this._wakeupFn);
      this._context.run(this._stepFn);
      return;
    }
    // registered only once its first step is scheduled (asyncio's test_error_in_call_soon): a
    // core with no slot to spare refuses the task whole, and no task that never runs is left in
    // allTasks() for run() to wait on; its generator is closed, as asyncio closes the coroutine
    // of a task it could not make (test_create_task_error_closes_coro)
    try {
      loop.callSoon(this._stepFn, this._context);
    } catch (e) {
      this._coro?.return(undefined as T);
      throw e;
    }
    loopTasks(loop).pending.add(this as Task<unknown>);
    if (loop._tracer !== null) loop._tracer.taskBegin(this, taskStep, this._wakeupFn);
  }

  /** @internal the task's wakeup: a done callback `(fut) => void` carrying the task (TASK_OF), one per task */
  get _wakeupFn(): (fut: Future<unknown>) => void {
    let w = this._wakeup1;
    if (w === null) {
      const taskWakeup = (fut: Future<unknown>) => this._wakeup(fut);
      (taskWakeup as { [TASK_OF]?: object })[TASK_OF] = this;
      this._wakeup1 = w = taskWakeup;
    }
    return w;
  }

  /** @internal the coroutine for repr: `name()` of a function, else what it is */
  get _coroRepr(): string {
    const c = this._coroInfo;
    return typeof c === 'string' ? c : (this._coroInfo = `${nameOf(c) || '<anonymous>'}()`);
  }

  /** The task's name. asyncio: `Task.get_name`. */
  getName(): string {
    const n = this._name;
    return typeof n === 'string' ? n : (this._name = `Task-${n}`);
  }

  /**
   * Renames the task (the name is converted to a string; TypeError if it cannot be). asyncio:
   * `Task.set_name`.
   */
  setName(name: unknown): void {
    this._name = toText(name, 'task name');
  }

  /**
   * The generator, or the promise of an async function once it started (null before). asyncio:
   * `Task.get_coro`.
   */
  getCoro(): Coroutine<T> | PromiseLike<T> | null {
    return this._coro ?? this._promiseLike;
  }

  /** The context the task runs in. asyncio: `Task.get_context`. */
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

  /**
   * Requests cancellation. A generator task: the Future it is suspended on is cancelled, or
   * CancelledError is thrown into it at its next step. Promise-based code running for the task:
   * the last wasmloop awaitable it awaited is cancelled, or the next one it awaits is.
   * asyncio: `Task.cancel`.
   */
  override cancel(rawMsg?: string | null): boolean {
    if (this.done()) {
      this._markRetrieved();
      return false;
    }
    const msg = cancelText(rawMsg);
    this._numCancelsRequested++;
    const fw = this._futWaiter;
    const aw = this._asyncWaiter;
    if (fw !== null) {
      if (fw._wrapsPromise) {
        // a promise wrapper: reach the promise's code first, its CancelledError comes back through it
        if (aw !== null && cancelAwaitable(aw, msg)) return true;
        if (aw === null && this._thenReadSegment === this._segment) {
          // that code, started in this step, is about to await a wasmloop awaitable (its `then`
          // was read; the engine calls it one microtask later): the cancellation applies there,
          // as it would at asyncio's first await of an inline coroutine (futureThen, Driver.start)
          this._mustCancel = true;
          this._cancelMessage = msg;
          return true;
        }
      }
      if (fw.cancel(msg)) return true;
    } else if (aw !== null && cancelAwaitable(aw, msg)) return true;
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending (not withdrawn by uncancel()). asyncio: `Task.cancelling`. */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /**
   * Withdraws one cancellation request; returns how many are left. At 0 a pending one is dropped.
   * asyncio: `Task.uncancel`.
   */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  /** @internal */ _cancelsThroughPromises(): boolean {
    const fw = this._futWaiter;
    return fw !== null ? fw._wrapsPromise : this._coro === null;
  }

  protected override _reprInfo(): string[] {
    const info = super._reprInfo();
    // asyncio 3.11+: any cancellation request not withdrawn, whether or not it reached the coroutine yet
    if (this._numCancelsRequested > 0 && !this.done()) info[0] = 'cancelling';
    info.splice(1, 0, `name=${JSON.stringify(this.getName())}`);
    info.splice(2, 0, `coro=<${this._coroRepr}>`);
    if (this._futWaiter !== null) info.push(`wait_for=${this._futWaiter}`);
    return info;
  }

  /** `'Task'`. */
  override get [Symbol.toStringTag](): string {
    return 'Task';
  }

  // ---- stepping -------------------------------------------------------------------------------

  /** @internal one step: a loop callback (or the eager first step), with this task running. */
  _step(exc?: unknown, sent?: unknown): void {
    if (this.done()) throw new InvalidStateError(`_step(): already done: ${this}, ${safeRepr(exc)}`);
    if (this._mustCancel) {
      if (!isInstance(exc, CancelledError)) exc = this._makeCancelledError();
      this._mustCancel = false;
    }
    this._futWaiter = null;
    this._segment++;
    const prev = swapRunning(this);
    try {
      if (this._coro !== null) this._stepGenerator(exc, sent);
      else this._stepAsync(exc);
    } finally {
      swapRunning(prev);
    }
  }

  private _stepGenerator(exc: unknown, sent?: unknown): void {
    const coro = this._coro!;
    let r: IteratorResult<unknown, T>;
    try {
      r = exc === undefined ? coro.next(sent) : coro.throw(exc);
    } catch (e) {
      this._finishWithError(e);
      return;
    }
    if (r.done) this._finishWithResult(r.value);
    else {
      try {
        this._suspendOn(r.value);
      } catch (e) {
        // looking at what was yielded threw (a hostile value): thrown back in, as a bad yield is
        (this._loop as EventLoop).callSoon(this._stepFn, e, this._context);
      }
    }
  }

  /** First step of a function or promise task: start it; afterwards its outcome settles the task. */
  private _stepAsync(exc: unknown): void {
    if (exc !== undefined) {
      // cancelled (or failed) before it started: it never starts
      this._finishWithError(exc);
      return;
    }
    let value: unknown = this._promiseLike;
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
      if (value instanceof Future) {
        this._followFuture(value as Future<T>);
        return;
      }
      if (isAsyncGenerator(value)) {
        this._finishWithError(new TypeError('a coroutine was expected, got an async generator'));
        return;
      }
      if (!isThenable(value)) {
        this._finishWithResult(value as T);
        return;
      }
      this._promiseLike = value as PromiseLike<T>;
    }
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
    try {
      (value as PromiseLike<T>).then(
        (v) => settle(true, v),
        (e) => settle(false, e),
      );
    } catch (e) {
      settle(false, e); // a thenable whose then() throws: the task fails with it, as an await would
    }
  }

  /** The future it waited on is done: the next step (`yield* fut` reads the outcome itself). */
  private _wakeup(fut: Future<unknown>): void {
    if (fut !== this._bareAwait) {
      // as asyncio's __wakeup: an exception (a CancelledError with its message among them) is
      // thrown in at the yield*, so a pending cancel() does not replace it
      if (fut._state === FutureState.FINISHED && !fut._hasException) this._step();
      else {
        let exc: unknown;
        try {
          fut.result();
        } catch (e) {
          exc = e;
        }
        this._step(exc);
      }
      return;
    }
    // a bare `yield promise`: send its value in, or throw its error
    this._bareAwait = null;
    if (fut.cancelled()) this._step(fut._makeCancelledError());
    else if (fut._hasException) this._step(fut.exception());
    else this._step(undefined, fut.result());
  }

  /** A function task that returned a Future: the task follows it, and cancel() reaches it. */
  private _followFuture(fut: Future<T>): void {
    this._asyncWaiter = fut;
    fut.addDoneCallback((f) => {
      if (this.done()) return;
      if (this._asyncWaiter === f) this._asyncWaiter = null;
      if (f.cancelled()) this._finishWithError(f._makeCancelledError());
      else if (f._hasException) this._finishWithError(f.exception());
      else this._finishWithResult(f.result());
    }, this._context);
  }

  private _suspendOn(yielded: unknown): void {
    const loop = this._loop as EventLoop;
    if (isInstance(yielded, Future)) {
      if (yielded.getLoop() !== loop) {
        this._stepSoon(new RuntimeError(`Task ${this} got Future ${yielded} attached to a different loop`));
      } else if (!yielded._asyncioFutureBlocking) {
        this._stepSoon(new RuntimeError(`yield was used instead of yield* in task ${this} with ${yielded}`));
      } else if (yielded === (this as unknown)) {
        this._stepSoon(new RuntimeError(`Task cannot await on itself: ${this}`));
      } else {
        yielded._asyncioFutureBlocking = false;
        yielded._addOwnDone(this._wakeupFn, this._context); // the task's own arrow function: no callable check
        this._futWaiter = yielded;
        if (this._mustCancel && yielded.cancel(this._cancelMessage)) this._mustCancel = false;
      }
      return;
    }
    if (yielded === undefined || yielded === null) {
      // a bare `yield`: give other callbacks one iteration (asyncio's sleep(0))
      this._stepSoon(undefined);
      return;
    }
    if (isGenerator(yielded)) {
      this._stepSoon(new RuntimeError(`yield was used instead of yield* for generator in task ${this} with ${describe(yielded)}`));
      return;
    }
    if (isThenable(yielded)) {
      // a bare `yield promise` (a JavaScript convenience; `yield* ensureFuture(p)` is typed)
      const fut = wrapThenable(yielded, loop);
      fut._asyncioFutureBlocking = true;
      this._bareAwait = fut;
      this._suspendOn(fut);
      return;
    }
    this._stepSoon(new RuntimeError(`Task got bad yield: ${describe(yielded)}`));
  }

  /**
   * The next step, scheduled from a step: it never fails for core memory (a generator that yielded
   * must be resumed; nobody could be told), it waits for a slot instead (loop.ts `_soonAlways`).
   */
  private _stepSoon(exc: unknown): void {
    (this._loop as EventLoop)._soonAlways(this._stepFn, exc, exc === undefined ? ARGS_NONE : ARGS_ONE, this._context);
  }

  private _finishWithResult(v: T): void {
    this._asyncWaiter = null;
    if (this._mustCancel) {
      // cancelled right before the coroutine returned
      this._mustCancel = false;
      Future.prototype.cancel.call(this, this._cancelMessage);
    } else Future.prototype.setResult.call(this, v);
    loopTasks(this._loop as EventLoop).pending.delete(this as Task<unknown>);
    (this._loop as EventLoop)._tracer?.taskEnd(this);
  }

  private _finishWithError(e: unknown): void {
    this._asyncWaiter = null;
    if (isInstance(e, CancelledError)) {
      const message = peek(e, 'message');
      if (this._cancelMessage === undefined && typeof message === 'string' && message) this._cancelMessage = message;
      Future.prototype.cancel.call(this, this._cancelMessage);
      this._result = e; // the task's CancelledError is the one its coroutine ended with (_makeCancelledError)
    } else this._finishWithException(e);
    loopTasks(this._loop as EventLoop).pending.delete(this as Task<unknown>);
    (this._loop as EventLoop)._tracer?.taskEnd(this);
  }
}

/** The task whose code runs right now on `loop`, or null. */
export function currentTaskOf(loop: EventLoop): Task<unknown> | null {
  const t = running;
  return t !== null && t._loop === loop ? (t as Task<unknown>) : null;
}

/** The loop's tasks that are not done yet. */
export function allTasksOf(loop: EventLoop): Set<Task<unknown>> {
  return new Set(loopTasks(loop).pending);
}

/** A Future that settles with a promise (or other thenable); cancelling it cannot stop the promise. */
export function wrapThenable<T>(p: PromiseLike<T>, loop: EventLoop): Future<T> {
  const fut = new Future<T>({ loop });
  fut._wrapsPromise = true;
  loop._promiseBridges++;
  let settled = false;
  const settle = (fn: () => void) => {
    if (settled) return;
    settled = true;
    loop._promiseBridges--;
    if (!fut.done() && !loop.isClosed()) fn();
  };
  try {
    p.then(
      (v) => settle(() => fut.setResult(v)),
      (e) => settle(() => (isInstance(e, CancelledError) ? fut.cancel(cancelledMessage(e)) : fut._finishWithException(e))),
    );
  } catch (e) {
    settle(() => fut._finishWithException(e)); // then() threw: the future fails with it, as an await would
  }
  return fut;
}

/** The message of a CancelledError as a cancel() message (none when empty or not a string). */
function cancelledMessage(e: unknown): string | undefined {
  const m = peek(e, 'message');
  return typeof m === 'string' && m !== '' ? m : undefined;
}

/** A task factory for `loop.setTaskFactory`: `(loop, coro, opts) => Future` (asyncio's task factory). */
export type TaskFactory = (loop: EventLoop, coro: CoroutineLike<unknown>, opts: TaskOptions) => Future<unknown>;

/** Wraps `aw` in a Future: a Future as is, a coroutine (generator or function) in a Task, a promise in a Future. */
export function ensureFutureOn<T>(aw: unknown, loop: EventLoop): Future<T> {
  if (aw instanceof Future) {
    (aw as { _bindLazy?(l: EventLoop): void })._bindLazy?.(loop); // an unbound sleep() is adopted
    if (aw.getLoop() !== loop) throw new RangeError('The future belongs to a different loop than the one specified as the loop argument');
    return aw as Future<T>;
  }
  // through loop.createTask, as asyncio's ensure_future: a loop subclass's createTask is used
  if (isGenerator(aw) || typeof aw === 'function') return loop.createTask(aw as CoroutineLike<T>) as Future<T>;
  if (isThenable(aw)) return wrapThenable(aw as PromiseLike<T>, loop);
  throw new TypeError(`An asyncio.Future, a coroutine or an awaitable is required, got ${describe(aw)}`);
}

/** loop.createTask: through the loop's task factory when one is set. */
export function createTaskOn<T>(loop: EventLoop, coro: CoroutineLike<T>, opts: TaskOptions = {}): Task<T> {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`task options must be an object, got ${describe(opts)}`);
  const factory = loop._extra.taskFactory as TaskFactory | undefined;
  if (factory) {
    const task = factory(loop, coro as CoroutineLike<unknown>, opts) as Task<T>;
    // a factory may ignore the name: asyncio sets it afterwards
    if (opts.name !== undefined && typeof (task as Partial<Task<T>>).setName === 'function') task.setName(opts.name);
    return task;
  }
  return new Task<T>(coro, { ...opts, loop });
}

/** A Task class: Task itself or a subclass, constructed as Task is. */
export type TaskConstructor = new <T>(coro: CoroutineLike<T>, opts: TaskOptions & { loop: EventLoop; eagerStart?: boolean }) => Task<T>;

/** A task factory making eager tasks of `TaskClass` (Python 3.12's create_eager_task_factory). */
export function createEagerTaskFactory(TaskClass: TaskConstructor): TaskFactory {
  if (typeof TaskClass !== 'function') throw new TypeError(`createEagerTaskFactory() needs a Task class, got ${describe(TaskClass)}`);
  return (loop, coro, opts) => new TaskClass(coro, { ...opts, loop, eagerStart: true });
}

/** A task factory that runs each task's first step at once, inside createTask (Python 3.12's eager_task_factory). */
export const eagerTaskFactory: TaskFactory = createEagerTaskFactory(Task as TaskConstructor);
