/**
 * On whose behalf code runs: the task attribution that `currentTask()`, cancellation and
 * contextvars rely on, for generator tasks and for promise-based (async-function) code alike.
 *
 * `running` is the task whose code runs right now, else null. It is set
 * - during a task's step (a loop callback: the generator's next segment, or the first segment of an
 *   async function), and during a toolkit coroutine step driven for an awaiting task (coro.ts);
 * - during a *marked continuation*: when a wasmloop awaitable that task T awaited settles, the loop
 *   callback that settles the engine's promise queues a microtask `mark T`, calls the engine's
 *   resolving function (which enqueues exactly the reactions of that await: T's continuation), then
 *   queues `unmark`. Microtasks run FIFO and nothing runs between these three enqueues, so
 *   the job between the two marks is T's continuation and nothing else (see README, "Generator tasks
 *   and async-function tasks").
 *
 * Who is awaiting is learnt without any host hook: `await x` reads `x.then` synchronously (ECMAScript
 * PromiseResolve → the resolving function's `Get(resolution, "then")`), while the awaiting code still
 * runs. The `then` getters of Future and of toolkit coroutines read `running` at that moment and hand
 * back a `then` bound to that task; the engine calls it one microtask later.
 *
 * Invariant: `running` is restored by whoever set it (steps, coroutine drivers, unmark), so it is null whenever
 * the microtask queue runs code that no wasmloop awaitable resumed.
 */
import { type Context, _enterContext, _exitContext } from './context.js';
import { host } from './hosts/index.js';

/** What debug mode's timing of async-function steps reads from a task's loop. */
interface DebugLoop {
  getDebug(): boolean;
  readonly slowCallbackDuration: number;
}

/** What this module needs from a Task (kept narrow to avoid an import cycle). */
export interface Runner {
  readonly _loop: unknown;
  readonly _context: Context;
  /** the last wasmloop awaitable that promise-based code running for this task awaited, until it settles */
  _asyncWaiter: object | null;
  /** `_segment` when `_asyncWaiter` was set */
  _asyncWaiterSegment: number;
  /** `_segment` when code running for the task last read the `then` of a wasmloop awaitable (its await registers one microtask later) */
  _thenReadSegment: number;
  /** counts the task's segments: its steps and its marked continuations */
  _segment: number;
  _mustCancel: boolean;
  _cancelMessage: string | undefined;
  _marks: Marks | null;
  /** how many gathers of promises this task's code made are pending: while any is, `_gatherWaits` is kept */
  _gathering: number;
  /** the pending wasmloop awaitables promise-based code awaited on the task's behalf while it gathered promises */
  _gatherWaits: Set<object> | null;
  done(): boolean;
  /** @internal whether a pending cancellation must go to promise-based code awaiting on the task's behalf */
  _cancelsThroughPromises(): boolean;
}

/** The task whose code runs right now, else null. */
export let running: Runner | null = null;

/**
 * Set when promise work on a task's behalf is under way that the next loop iteration must not
 * overtake: a continuation was resumed (`resumeFor`) or began to run (its task may finish, and the
 * task settles one microtask later), or code running for a task read the `then`
 * of a wasmloop awaitable (the engine calls it one microtask later, and what it schedules belongs
 * in the next iteration, as the callback of an asyncio task's await would). The non-blocking
 * runner lets one more microtask turn pass while it is set (`takeAsyncWork`).
 */
let asyncWork = false;

/** @internal code running for `t` read the `then` of a wasmloop awaitable: the call is one microtask away */
export function noteThenRead(t: Runner): void {
  asyncWork = true;
  t._thenReadSegment = t._segment;
}

/** @internal whether async work was noted since the last call (and forgets it) */
export function takeAsyncWork(): boolean {
  const w = asyncWork;
  asyncWork = false;
  return w;
}

/** @internal sets `running`; returns what it was */
export function swapRunning(t: Runner | null): Runner | null {
  const prev = running;
  running = t;
  return prev;
}

type ThenImpl = (target: any, onF: unknown, onR: unknown, t: Runner | null) => unknown;
let futureThenImpl: ThenImpl | null = null;
let coroThenImpl: ThenImpl | null = null;

/** @internal futures.ts and coro.ts register how they are awaited */
export function _setThenImpl(kind: 'future' | 'coro', impl: ThenImpl): void {
  if (kind === 'future') futureThenImpl = impl;
  else coroThenImpl = impl;
}

/** Per-task closures, made once per task on first use: the mark/unmark jobs and the bound `then`s. */
export class Marks {
  private prevRunning: Runner | null = null;
  private prevContext: Context | null = null;
  readonly mark: () => void;
  readonly unmark: () => void;
  readonly futureThen: (this: object, onF?: unknown, onR?: unknown) => any;
  readonly coroThen: (this: object, onF?: unknown, onR?: unknown) => any;

  /** when the marked continuation began (host ms), in debug mode; else -1 */
  private started = -1;

  constructor(t: Runner) {
    const loop = t._loop as DebugLoop;
    this.mark = () => {
      // the continuation may end the task's function: let its promise settle the task before
      // the next iteration
      asyncWork = true;
      t._segment++;
      this.prevRunning = running;
      running = t;
      this.prevContext = _enterContext(t._context);
      if (loop.getDebug()) this.started = host.now();
    };
    this.unmark = () => {
      if (this.started >= 0) {
        // an async-function step runs here, between mark and unmark, not inside a loop callback:
        // debug mode times it as asyncio times a task's step
        const dt = (host.now() - this.started) / 1000;
        this.started = -1;
        if (dt >= loop.slowCallbackDuration) console.warn(`Executing ${String(t)} took ${dt.toFixed(3)} seconds`);
      }
      running = this.prevRunning;
      this.prevRunning = null;
      const prev = this.prevContext;
      if (prev !== null) {
        this.prevContext = null;
        _exitContext(t._context, prev);
      }
    };
    this.futureThen = function (this: object, onF?: unknown, onR?: unknown) {
      return futureThenImpl!(this, onF, onR, t);
    };
    this.coroThen = function (this: object, onF?: unknown, onR?: unknown) {
      return coroThenImpl!(this, onF, onR, t);
    };
  }
}

/**
 * Records that `t` now awaits `w`. A promise wrapper (`await ensureFuture(helper())`) does not
 * displace a pending awaitable that code of the same segment awaited first (the helper's own
 * await): cancelling that one reaches the helper, whose CancelledError then comes back through
 * the wrapper.
 */
export function noteAwaiting(t: Runner, w: object, isWrapper: boolean, isPending: (w: object) => boolean): void {
  const prev = t._asyncWaiter;
  if (t._gathering > 0) {
    (t._gatherWaits ??= new Set()).add(w);
    // while the task awaits a gather of promises its code made, what their code awaits next does
    // not displace that gather: cancel() reaches them all through it (toolkit/gather.ts)
    if (prev !== null && prev !== w && (prev as { _owner?: unknown })._owner === t && isPending(prev)) return;
  }
  if (isWrapper && prev !== null && prev !== w && t._asyncWaiterSegment === t._segment && isPending(prev)) return;
  t._asyncWaiter = w;
  t._asyncWaiterSegment = t._segment;
}

/** @internal what `t`'s promise-based code awaited has settled */
export function noteSettled(t: Runner, w: object): void {
  if (t._asyncWaiter === w) t._asyncWaiter = null;
  t._gatherWaits?.delete(w);
}

export function marksOf(t: Runner): Marks {
  return (t._marks ??= new Marks(t));
}

/**
 * Calls `settle(value)` — an engine resolving function — so that the reactions it enqueues run as
 * `t`'s marked continuation. With no task (or a finished one) it just calls it.
 */
export function resumeFor(t: Runner | null, settle: (v: unknown) => unknown, value: unknown): void {
  asyncWork = true;
  if (t === null || t.done()) {
    settle(value);
    return;
  }
  const m = marksOf(t);
  RESOLVED.then(m.mark);
  settle(value);
  RESOLVED.then(m.unmark);
}

/** Jobs are queued as reactions to a settled promise: the same FIFO as queueMicrotask, cheaper in Node. */
const RESOLVED = Promise.resolve();

const fnToString = Function.prototype.toString;

function anonymousNoPrototype(f: unknown): f is (v: unknown) => void {
  return typeof f === 'function' && f.name === '' && !('prototype' in f);
}

/**
 * Whether `resolve` and `reject` are a promise's resolving functions made by the engine (what
 * `await` and `Promise.resolve(thenable)` pass to `then`): anonymous, no `prototype`, native code.
 * Calling them runs no user code; it only enqueues the reactions of their promise. (The native
 * code test, which allocates a string, is made on one of the two.)
 */
export function isResolvingFunctions(resolve: unknown, reject: unknown): resolve is (v: unknown) => void {
  return anonymousNoPrototype(resolve) && anonymousNoPrototype(reject) && fnToString.call(resolve).includes('[native code]');
}
