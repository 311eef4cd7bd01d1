/**
 * Waiting on several awaitables — asyncio's gather, shield, wait and as_completed.
 *
 * gather and shield return Futures (as asyncio's do); wait is a toolkit coroutine; asCompleted
 * returns an iterable of coroutines (each the next result, in completion order) that is also an
 * async iterable of the original futures as they complete (Python 3.13). Arguments that are not
 * Futures are wrapped with ensureFuture: generators and functions become Tasks, promises Futures.
 */
import { copyContext, type Context } from '../context.js';
import { coroutine, type Coro } from '../coro.js';
import { CancelledError, TimeoutError, describe } from '../errors.js';
import { Future } from '../futures.js';
import type { EventLoop } from '../loop.js';
import { cancelAwaitable, currentTaskOf, ensureFutureOn, isGenerator, type Task } from '../tasks.js';
import { running } from '../attribution.js';
import { callerLoop, checkSeconds } from './base.js';
import { futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './graph.js';
import { Queue } from './queues.js';


/** What an awaitable argument resolves to. */
export type ResultOf<A> =
  A extends Future<infer R>
    ? R
    : A extends Generator<unknown, infer R, any>
      ? R
      : A extends PromiseLike<infer R>
        ? R
        : A extends () => infer V
          ? V extends Generator<unknown, infer R, any>
            ? R
            : Awaited<V>
          : never;

/** Options of `gather()` (asyncio's `return_exceptions`). */
export interface GatherOptions {
  /** Collect exceptions (and CancelledErrors of cancelled children) as results instead of failing. */
  returnExceptions: boolean;
}

/**
 * gather's Future: cancelling it cancels the children.
 *
 * A child that is a promise (`gather(f(1), f(2))` with async functions) cannot be cancelled
 * itself; what asyncio cancels there is the coroutine, at its await. When the gather was made by
 * a task's code, the wasmloop awaitables that promise-based code awaits on that task's behalf
 * while the gather is pending are noted (attribution.ts), and while the task awaits the gather they
 * do not displace it as what the task waits on. Cancelling the gather then (the task's cancel()
 * does) cancels every pending one of them: each async call gets CancelledError at its await,
 * and its wrapper settles cancelled through its promise (so, as in asyncio, the gather ends once
 * they have unwound). A gather cancelled while its task waits on something else cancels only
 * its wrappers: the task's own await is not told apart from its helpers' there.
 */
class GatheringFuture<T> extends Future<T> {
  /** @internal */ _cancelRequested = false;
  /** @internal the task whose code made the gather, when some child is a promise */
  _owner: Task<unknown> | null = null;

  constructor(
    loop: EventLoop,
    private readonly _children: Future<unknown>[],
  ) {
    super({ loop });
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    let ret = false;
    let reached = false;
    const owner = this._owner;
    // only while the task awaits this gather: then its own code is suspended here, and whatever
    // promise-based code awaits on its behalf is the gathered calls' (or its other helpers')
    if (owner !== null && owner._gatherWaits !== null && (owner._asyncWaiter === this || owner._futWaiter === this))
      for (const w of [...owner._gatherWaits]) if (w !== this && cancelAwaitable(w, msg)) reached = true;
    for (const child of this._children) {
      // a promise child whose code was reached settles cancelled through its own promise
      if (reached && child._wrapsPromise && !child.done()) ret = true;
      else if (child.cancel(msg)) ret = true;
    }
    // a child that was cancelled makes the gather end in CancelledError, even with returnExceptions
    if (ret) this._cancelRequested = true;
    return ret;
  }
}

function isOptions(v: unknown): v is GatherOptions {
  if (v === null || typeof v !== 'object' || v instanceof Future || isGenerator(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { then?: unknown }).then !== 'function';
}

/**
 * Runs the awaitables concurrently; a Future of their results, in argument order. The first
 * exception fails it (the others keep running), unless `{ returnExceptions: true }` is passed
 * last. Cancelling the gather cancels every child; a child's cancellation fails the gather with
 * CancelledError.
 * TypeError for an argument that is not awaitable; RuntimeError where no loop runs. asyncio:
 * `asyncio.gather`.
 */
export function gather<T extends readonly unknown[]>(...args: [...T, GatherOptions]): Future<{ -readonly [K in keyof T]: ResultOf<T[K]> | unknown }>;
export function gather<T extends readonly unknown[]>(...aws: T): Future<{ -readonly [K in keyof T]: ResultOf<T[K]> }>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let returnExceptions = false;
  if (args.length > 0 && isOptions(args[args.length - 1])) {
    const opts = args.pop() as GatherOptions;
    if (opts.returnExceptions !== undefined && typeof opts.returnExceptions !== 'boolean') throw new TypeError(`returnExceptions must be a boolean, got ${describe(opts.returnExceptions)}`);
    returnExceptions = opts.returnExceptions === true;
  }
  if (args.length === 0) {
    const outer = callerLoop('gather').createFuture<unknown[]>();
    outer.setResult([]);
    return outer;
  }
  let loop: EventLoop | null = null;
  const children: Future<unknown>[] = new Array<Future<unknown>>(args.length); // exactly its size: it lives as long as the gather
  const argToFut = new Map<unknown, Future<unknown>>();
  const doneFuts: Future<unknown>[] = [];
  let nfuts = 0;
  let nfinished = 0;
  let outer: GatheringFuture<unknown[]> | null = null;
  let caller: Task<unknown> | null = null; // the task that gathers awaits each child (the call graph)
  let ctx: Context | null = null;

  const onChildDone = (fut: Future<unknown>) => {
    nfinished++;
    if (caller !== null) futureDiscardFromAwaitedBy(fut, caller);
    if (outer === null || outer.done()) {
      if (!fut.cancelled()) fut.exception(); // mark it retrieved
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer.setException(fut._makeCancelledError());
        return;
      }
      const exc = fut.exception();
      if (fut._hasException) {
        // (_hasException, not exc !== null: JavaScript can throw null)
        outer._finishWithException(exc);
        return;
      }
    }
    if (nfinished === nfuts) {
      const results = children.map((f) => {
        if (f.cancelled()) return new CancelledError(f._cancelMessage ?? '');
        const exc = f.exception();
        return f._hasException ? exc : f.result();
      });
      if (outer._cancelRequested) outer.setException(fut._makeCancelledError());
      else outer.setResult(results);
    }
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let fut = argToFut.get(arg);
    if (fut === undefined) {
      fut = loop === null && arg instanceof Future ? arg : ensureFutureOn<unknown>(arg, loop ?? callerLoop('gather'));
      loop ??= fut.getLoop() as EventLoop;
      nfuts++;
      argToFut.set(arg, fut);
      if (fut.done()) doneFuts.push(fut);
      else {
        // one context copy serves every child's callback (it reads no variable)
        ctx ??= copyContext();
        fut._addOwnDone(onChildDone, ctx);
      }
    }
    children[i] = fut;
  }
  outer = new GatheringFuture<unknown[]>(loop!, children);
  const owner = running as Task<unknown> | null;
  if (owner !== null && owner._loop === loop && children.some((f) => f._wrapsPromise && !f.done())) {
    // note what promise-based code awaits for this task while the gather is pending (cancel reaches it)
    outer._owner = owner;
    owner._gathering++;
    outer.addDoneCallback(() => {
      if (--owner._gathering === 0) owner._gatherWaits = null;
    });
  }
  caller = currentTaskOf(loop!);
  if (caller !== null) for (const fut of argToFut.values()) if (!fut.done()) futureAddToAwaitedBy(fut, caller);
  for (const fut of doneFuts) onChildDone(fut);
  return outer;
}

/**
 * Protects `aw` from cancellation: a Future that follows it; cancelling that Future does not
 * cancel `aw` (a Task keeps running). If `aw` itself is cancelled, the Future is too.
 * asyncio: `asyncio.shield`.
 */
export function shield<T>(aw: Future<T> | Generator<unknown, T, any> | PromiseLike<T> | (() => unknown)): Future<T> {
  const inner = ensureFutureOn<T>(aw, aw instanceof Future ? (aw.getLoop() as EventLoop) : callerLoop('shield'));
  if (inner.done()) return inner;
  const loop = inner.getLoop() as EventLoop;
  const outer = loop.createFuture<T>();
  const caller = currentTaskOf(loop); // awaits `inner` through `outer` (the call graph)
  if (caller !== null) futureAddToAwaitedBy(inner, caller);
  const innerDone = (f: Future<T>) => {
    if (caller !== null) futureDiscardFromAwaitedBy(f, caller);
    if (outer.cancelled()) {
      if (!f.cancelled()) f.exception(); // mark it retrieved
      return;
    }
    if (f.cancelled()) outer.cancel();
    else if (f._hasException) outer._finishWithException(f.exception());
    else outer.setResult(f.result());
  };
  inner.addDoneCallback(innerDone);
  outer.addDoneCallback(() => {
    if (inner.done()) return;
    inner.removeDoneCallback(innerDone);
    if (caller !== null) futureDiscardFromAwaitedBy(inner, caller);
  });
  return outer;
}

/** `wait()` returns when any awaitable is done (asyncio.FIRST_COMPLETED). */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait()` returns when any awaitable fails, else when all are done (asyncio.FIRST_EXCEPTION). */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait()` returns when every awaitable is done (asyncio.ALL_COMPLETED). */
export const ALL_COMPLETED = 'ALL_COMPLETED';
/** When `wait()` returns: FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of `wait()` (asyncio's `timeout` and `return_when`). */
export interface WaitOptions {
  /** seconds, or null (default) for none: then it returns with what is done so far */
  timeout?: number | null;
  /** ALL_COMPLETED (default), FIRST_COMPLETED or FIRST_EXCEPTION */
  returnWhen?: ReturnWhen;
}

function collectFutures(fs: unknown, fn: string): Future<unknown>[] {
  if (fs instanceof Future || isGenerator(fs) || fs === null || typeof fs !== 'object' || typeof (fs as Iterable<unknown>)[Symbol.iterator] !== 'function')
    throw new TypeError(`${fn}() expects an iterable of futures, not ${describe(fs)}`);
  return [...new Set(fs as Iterable<unknown>)] as Future<unknown>[];
}

/**
 * Waits for the Futures and Tasks in `fs` until `returnWhen` (or `timeout`); returns
 * `[done, pending]` Sets. Never raises their exceptions and never cancels them.
 * TypeError for anything but Futures and Tasks; RangeError (asyncio's ValueError) for an empty set
 * or a bad `returnWhen`. asyncio: `asyncio.wait`.
 */
export function wait<T>(fs: Iterable<Future<T>>, opts: WaitOptions = {}): Coro<[Set<Future<T>>, Set<Future<T>>]> {
  const list = collectFutures(fs, 'wait');
  if (opts === null || typeof opts !== 'object') throw new TypeError(`wait() options must be an object, got ${describe(opts)}`);
  const timeout = opts.timeout ?? null;
  const returnWhen = opts.returnWhen ?? ALL_COMPLETED;
  checkSeconds(timeout, 'wait', 'timeout', true);
  if (list.length === 0) throw new RangeError('Set of Tasks/Futures is empty.');
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) throw new RangeError(`Invalid returnWhen value: ${describe(returnWhen)}`);
  for (const f of list)
    if (!(f instanceof Future)) throw new TypeError(`wait() takes Futures and Tasks (wrap coroutines with createTask, promises with ensureFuture), got ${describe(f)}`);
  return waitCoro(list, timeout, returnWhen) as Coro<[Set<Future<T>>, Set<Future<T>>]>;
}

const waitCoro = coroutine(function* (fs: Future<unknown>[], timeout: number | null, returnWhen: ReturnWhen): Generator<unknown, [Set<Future<unknown>>, Set<Future<unknown>>], unknown> {
  const loop = callerLoop();
  const waiter = loop.createFuture<void>();
  const release = () => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  const timeoutHandle = timeout !== null ? loop.callLater(timeout, release) : null;
  let counter = fs.length;
  const onCompletion = (f: Future<unknown>) => {
    counter--;
    if (counter <= 0 || returnWhen === FIRST_COMPLETED || (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f._hasException)) {
      timeoutHandle?.cancel();
      release();
    }
  };
  const caller = currentTaskOf(loop); // awaits each of them (the call graph)
  for (const f of fs) {
    f.addDoneCallback(onCompletion);
    if (caller !== null) futureAddToAwaitedBy(f, caller);
  }
  try {
    yield* waiter;
  } finally {
    timeoutHandle?.cancel();
    for (const f of fs) {
      f.removeDoneCallback(onCompletion);
      if (caller !== null) futureDiscardFromAwaitedBy(f, caller);
    }
  }
  const done = new Set<Future<unknown>>();
  const pending = new Set<Future<unknown>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
});

/** asCompleted's result: iterate for coroutines of the next result, or `for await` for the futures. */
export interface AsCompleted<T> extends Iterable<Coro<T>>, AsyncIterable<Future<T>> {}

/**
 * The awaitables' outcomes in the order they complete. `for (const next of asCompleted(fs))`
 * gives one coroutine per awaitable (`yield* next` / `await next`: the next result, or its
 * exception); `for await (const fut of asCompleted(fs))` gives the futures themselves as they
 * complete. With `timeout`, the remaining ones throw TimeoutError once it passes.
 * asyncio: `asyncio.as_completed`.
 */
export function asCompleted<T>(fs: Iterable<Future<T> | Generator<unknown, T, any> | PromiseLike<T> | (() => unknown)>, opts: { timeout?: number | null } = {}): AsCompleted<T> {
  const args = collectFutures(fs, 'asCompleted') as unknown[];
  if (opts === null || typeof opts !== 'object') throw new TypeError(`asCompleted() options must be an object, got ${describe(opts)}`);
  const timeout = opts.timeout ?? null;
  checkSeconds(timeout, 'asCompleted', 'timeout', true);
  const first = args.find((a) => a instanceof Future) as Future<unknown> | undefined;
  const loop = first !== undefined ? (first.getLoop() as EventLoop) : callerLoop('asCompleted');
  const todo = new Set(args.map((a) => ensureFutureOn<T>(a, loop)));
  const done = new Queue<Future<T> | null>();
  let timeoutHandle: ReturnType<EventLoop['callLater']> | null = null;
  const onCompletion = (f: Future<T>) => {
    if (todo.size === 0) return; // the timeout came first
    todo.delete(f);
    done.putNowait(f);
    if (todo.size === 0) timeoutHandle?.cancel();
  };
  const total = todo.size;
  // the timer first: a core that refuses it leaves no callback behind
  if (total > 0 && timeout !== null)
    timeoutHandle = loop.callLater(timeout, () => {
      for (const f of todo) {
        f.removeDoneCallback(onCompletion);
        done.putNowait(null); // one marker per awaitable still pending
      }
      todo.clear();
    });
  for (const f of todo) f.addDoneCallback(onCompletion);
  let handedOut = 0;
  return {
    *[Symbol.iterator]() {
      while (handedOut < total) {
        handedOut++;
        yield waitForOne(done, true) as Coro<T>;
      }
    },
    [Symbol.asyncIterator]() {
      return {
        next: async (): Promise<IteratorResult<Future<T>>> => {
          if (handedOut >= total) return { done: true, value: undefined };
          handedOut++;
          // boxed: a promise resolved with a Future would adopt its result instead
          const [fut] = (await waitForOne(done, false)) as [Future<T>];
          return { done: false, value: fut };
        },
      };
    },
  };
}

const waitForOne = coroutine(function* <T>(done: Queue<Future<T> | null>, result: boolean): Generator<unknown, unknown, unknown> {
  const f = yield* done.get();
  if (f === null) throw new TimeoutError('');
  return result ? f.result() : [f];
});
