/**
 * Shared pieces of the toolkit: loop binding (asyncio's _LoopBoundMixin), asyncio's `async with`
 * as `enter()` / `exit(error?)` / `run(body)`, awaiting any awaitable inside a coroutine, and
 * argument checks.
 *
 * The context-manager shape: `async with cm as v: body` is `cm.run(body)` — `yield* cm.run(function*
 * (v) {…})` in a generator task, `await cm.run(async (v) => {…})` in async code. `run` is
 * `enter()`, the body, then `exit()` — or `exit(error)` when the body threw, which re-throws what
 * should propagate (the same error, or the one asyncio's `__aexit__` raises instead).
 */
import { coroutine, type Coro } from '../coro.js';
import { RuntimeError, describe } from '../errors.js';
import { getRunningLoop, noLoop } from '../events.js';
import { getRunning } from '../thread-state.js';
import { Future } from '../futures.js';
import type { EventLoop } from '../loop.js';
import { running } from '../attribution.js';
import { isGenerator, isThenable, wrapThenable } from '../tasks.js';

/**
 * The loop of the code calling: the loop of the task it runs for, else the running loop. (In
 * asyncio they are the same; here an async-function task's continuation may run in the
 * microtasks right after its loop stopped, and it still belongs to that loop.)
 */
export function callerLoop(fn?: string): EventLoop {
  const t = running;
  if (t !== null) return t._loop as EventLoop;
  if (fn === undefined) return getRunningLoop();
  const loop = getRunning();
  if (loop === null) throw noLoop(fn);
  return loop as EventLoop;
}


/** An object bound to the first loop that uses it (asyncio's _LoopBoundMixin). */
export abstract class LoopBound {
  /** @internal */ _boundLoop: EventLoop | null = null;

  /** @internal the running loop, which must be the one this object is bound to */
  _getLoop(): EventLoop {
    const loop = callerLoop();
    if (this._boundLoop === null) this._boundLoop = loop;
    else if (loop !== this._boundLoop) throw new RuntimeError(`${this} is bound to a different event loop`);
    return loop;
  }
}

/** asyncio's asynchronous context manager, in wasmloop's shape. */
export interface AsyncContextManager<V> {
  /** `__aenter__`: what `run` hands to its body. */
  enter(): Coro<V>;
  /** `__aexit__`: with no argument, a normal exit; with an error, re-throws what should propagate. */
  exit(...error: [] | [unknown]): Coro<void>;
}

/** A body for `run`: a generator function (generator tasks), an async function, or a plain one. */
export type Body<V, R> = (value: V) => Generator<unknown, R, any> | PromiseLike<R> | R;

/** @internal `async with cm as v: return body(v)` as a generator */
export function* withContextGen<V, R>(cm: AsyncContextManager<V>, body: Body<V, R>): Generator<unknown, R, unknown> {
  const v = yield* cm.enter();
  let r: R;
  try {
    r = yield* awaitValue<R>(body(v));
  } catch (e) {
    yield* cm.exit(e);
    throw e;
  }
  yield* cm.exit();
  return r;
}

/** `async with cm as v: return body(v)`. */
export const withContext = coroutine(withContextGen) as <V, R>(cm: AsyncContextManager<V>, body: Body<V, R>) => Coro<R>;

/** @internal awaits a value a body returned: a generator runs inline, a Future or promise is waited for. */
export function* awaitValue<R>(v: unknown): Generator<unknown, R, unknown> {
  if (v instanceof Future) return (yield* v) as R;
  if (isGenerator(v)) return (yield* v) as R;
  if (isThenable(v)) return (yield* wrapThenable(v, callerLoop())) as R;
  return v as R;
}

/** @internal awaits an awaitable argument (asyncio's `await aw`): a function is called first. */
export function* awaitArg<R>(aw: unknown): Generator<unknown, R, unknown> {
  return yield* awaitValue<R>(typeof aw === 'function' ? aw() : aw);
}

/** @internal whether `aw` is something `awaitArg` accepts */
export function isAwaitableArg(aw: unknown): boolean {
  return aw instanceof Future || isGenerator(aw) || typeof aw === 'function' || isThenable(aw);
}

export function checkAwaitableArg(aw: unknown, fn: string): void {
  if (!isAwaitableArg(aw)) throw new TypeError(`${fn}() needs a Future, a coroutine (generator or function) or a promise, got ${describe(aw)}`);
}

/** @internal a delay or deadline in seconds: a number (Infinity allowed), or null when `nullable` */
export function checkSeconds(v: unknown, fn: string, what: string, nullable: boolean): asserts v is number | null {
  if (v === null && nullable) return;
  if (typeof v !== 'number') throw new TypeError(`${fn}() ${what} must be a number (seconds)${nullable ? ' or null' : ''}, got ${describe(v)}`);
  if (v !== v) throw new RangeError(`${fn}() ${what} must not be NaN`);
}

/** @internal the `run(body)` check */
export function checkBody(body: unknown, fn: string): void {
  if (typeof body !== 'function') throw new TypeError(`${fn}() needs a function (generator or async) as its body, got ${describe(body)}`);
}
