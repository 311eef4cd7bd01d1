/**
 * Timeouts — asyncio's timeouts.py and wait_for: `timeout(delay)`, `timeoutAt(when)`, the Timeout
 * they return, and `waitFor(aw, timeout)`.
 *
 * `async with timeout(1): body` is `timeout(1).run(body)`: on entering, the Timeout remembers the
 * current task and schedules `task.cancel()` at the deadline; on exit after that fired, it withdraws
 * its cancellation (`uncancel()`) and, if no other cancellation is pending and the body ended with
 * CancelledError, throws TimeoutError (with the CancelledError as `cause`). State machine:
 * created → active → (expiring → expired | finished).
 */
import { coroutine, type Coro } from '../coro.js';
import { CancelledError, RuntimeError, TimeoutError } from '../errors.js';
import { currentTask } from '../events.js';
import type { Future } from '../futures.js';
import type { Handle } from '../handles.js';
import type { EventLoop } from '../loop.js';
import { ensureFutureOn, type Task } from '../tasks.js';
import { awaitArg, callerLoop, checkAwaitableArg, checkBody, checkSeconds, withContextGen, type AsyncContextManager, type Body } from './base.js';

const enum State {
  CREATED,
  ENTERED,
  EXPIRING,
  EXPIRED,
  EXITED,
}
const STATE_NAMES = ['created', 'active', 'expiring', 'expired', 'finished'];

/** asyncio.Timeout: cancels the task that entered it at `when()` (loop time), as TimeoutError. */
export class Timeout implements AsyncContextManager<Timeout> {
  /** @internal */ _state = State.CREATED;
  /** @internal */ _when: number | null;
  /** @internal */ _handle: Handle | null = null;
  /** @internal */ _task: Task<unknown> | null = null;
  /** @internal */ _cancelling = 0;
  private readonly _onTimeout = () => {
    this._task!.cancel();
    this._state = State.EXPIRING;
    this._handle = null;
  };

  /** `when`: the deadline in loop time, or null for none. Usually made by timeout()/timeoutAt(). */
  constructor(when: number | null) {
    checkSeconds(when, 'Timeout', 'when', true);
    this._when = when;
  }

  /** The deadline (loop time), or null. asyncio: `Timeout.when`. */
  when(): number | null {
    return this._when;
  }

  /** Moves the deadline (null: none). Only while active. asyncio: `Timeout.reschedule`. */
  reschedule(when: number | null): void {
    checkSeconds(when, 'reschedule', 'when', true);
    if (this._state !== State.ENTERED) {
      if (this._state === State.CREATED) throw new RuntimeError('Timeout has not been entered');
      throw new RuntimeError(`Cannot change state of ${STATE_NAMES[this._state]} Timeout`);
    }
    // the new deadline is scheduled before anything changes: a core that refuses it leaves the old one
    let handle: Handle | null = null;
    if (when !== null) {
      const loop = this._task!._loop as EventLoop;
      handle = when <= loop.time() ? loop.callSoon(this._onTimeout) : loop.callAt(when, this._onTimeout);
    }
    this._when = when;
    this._handle?.cancel();
    this._handle = handle;
  }

  /** Whether the deadline passed (the task was cancelled by this timeout). asyncio: `Timeout.expired`. */
  expired(): boolean {
    return this._state === State.EXPIRING || this._state === State.EXPIRED;
  }

  /** `__aenter__`: binds to the current task and schedules the deadline. */
  enter(): Coro<Timeout> {
    return timeoutEnter(this);
  }

  /** `__aexit__`: with the body's error, re-throws it — or TimeoutError when the deadline caused it. */
  exit(...error: [] | [unknown]): Coro<void> {
    return timeoutExit(this, error);
  }

  /** `async with this: return body(this)` */
  run<R>(body: Body<Timeout, R>): Coro<R> {
    checkBody(body, 'run');
    return runCoro(this, body) as Coro<R>;
  }

  toString(): string {
    // asyncio's: `<Timeout [active] when=12.346>`, the deadline rounded to 3 decimals
    const w = this._when;
    const when = this._state !== State.ENTERED ? '' : ` when=${w === null ? 'null' : Math.round(w * 1000) / 1000}`;
    return `<Timeout [${STATE_NAMES[this._state]}]${when}>`;
  }
}

const runCoro = coroutine(withContextGen);

const timeoutEnter = coroutine(function* (tm: Timeout): Generator<unknown, Timeout, unknown> {
  if (tm._state !== State.CREATED) throw new RuntimeError('Timeout has already been entered');
  const task = currentTask(callerLoop());
  if (task === null) throw new RuntimeError('Timeout should be used inside a task');
  tm._state = State.ENTERED;
  tm._task = task;
  tm._cancelling = task.cancelling();
  try {
    tm.reschedule(tm._when);
  } catch (e) {
    // the core refused the deadline: not entered (it may be entered again)
    tm._state = State.CREATED;
    tm._task = null;
    throw e;
  }
  return tm;
});

const timeoutExit = coroutine(function* (tm: Timeout, error: [] | [unknown]): Generator<unknown, void, unknown> {
  if (tm._state !== State.ENTERED && tm._state !== State.EXPIRING) throw new RuntimeError(`Cannot exit a ${STATE_NAMES[tm._state]} Timeout`);
  tm._handle?.cancel();
  tm._handle = null;
  if (tm._state === State.EXPIRING) {
    tm._state = State.EXPIRED;
    // our cancellation is withdrawn; if none other is pending, the CancelledError was ours
    if (tm._task!.uncancel() <= tm._cancelling && error.length > 0 && error[0] instanceof CancelledError) throw new TimeoutError('', { cause: error[0] });
  } else tm._state = State.EXITED;
  if (error.length > 0) throw error[0];
});

/**
 * A Timeout that expires `delay` seconds from now (null: never, until rescheduled). TypeError for a
 * delay that is not a number or null, RangeError for NaN. asyncio: `asyncio.timeout`.
 */
export function timeout(delay: number | null): Timeout {
  checkSeconds(delay, 'timeout', 'delay', true);
  return new Timeout(delay === null ? null : callerLoop().time() + delay);
}

/**
 * A Timeout that expires at loop time `when` (null: never, until rescheduled). TypeError for a time
 * that is not a number or null, RangeError for NaN. asyncio: `asyncio.timeout_at`.
 */
export function timeoutAt(when: number | null): Timeout {
  checkSeconds(when, 'timeoutAt', 'when', true);
  return new Timeout(when);
}

/**
 * Waits for `aw` for at most `timeout` seconds (null: no limit): its result, or TimeoutError after
 * cancelling it. A generator runs inline (as asyncio runs a coroutine), a function is called in
 * the waiting task, a Future or Task is cancelled at the deadline; an already-running promise can
 * only be stopped waiting for.
 * asyncio: `asyncio.wait_for`.
 */
export function waitFor<T>(aw: Future<T> | Generator<unknown, T, any> | PromiseLike<T> | (() => Generator<unknown, T, any> | PromiseLike<T> | T), timeout: number | null): Coro<T> {
  checkAwaitableArg(aw, 'waitFor');
  checkSeconds(timeout, 'waitFor', 'timeout', true);
  return waitForCoro(aw, timeout) as Coro<T>;
}

const waitForCoro = coroutine(function* (aw: unknown, delay: number | null): Generator<unknown, unknown, unknown> {
  const loop = callerLoop();
  if (delay !== null && delay <= 0) {
    const fut = ensureFutureOn(aw, loop);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (e) {
      if (e instanceof CancelledError) throw new TimeoutError('', { cause: e });
      throw e;
    }
  }
  return yield* withContextGen(new Timeout(delay === null ? null : loop.time() + delay), () => awaitArg(aw));
});

/** @internal cancels `fut` and waits until it is done, without waiting on it directly (so this wait stays cancellable). */
export function* cancelAndWait(fut: Future<unknown>): Generator<unknown, void, unknown> {
  const waiter = callerLoop().createFuture<void>();
  const release = () => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}
