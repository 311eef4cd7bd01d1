/**
 * Synchronization primitives — asyncio's locks.py: Lock, Event, Condition, Semaphore,
 * BoundedSemaphore, Barrier. Not thread-safe; bound to the first loop that waits on them.
 *
 * Every waiting method is a toolkit coroutine (coro.ts): `yield* lock.acquire()` in a generator
 * task, `await lock.acquire()` in async code, with asyncio's cancellation rules in both (a waiter
 * cancelled after it was woken passes the wake-up on). `async with lock:` is `lock.run(body)`
 * (base.ts). Waiters are FIFO arrays of Futures; removing a cancelled one is O(waiters).
 */
import { coroutine, type Coro } from '../coro.js';
import { BrokenBarrierError, CancelledError, RuntimeError, describe } from '../errors.js';
import type { Future } from '../futures.js';
import { LoopBound, checkBody, withContextGen, type AsyncContextManager, type Body } from './base.js';

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/** Queues `fut` among `waiters` and waits for it; it leaves the queue however the wait ends. */
function* waitInLine<T>(waiters: Future<T>[], fut: Future<T>): Generator<unknown, T, unknown> {
  waiters.push(fut);
  try {
    return yield* fut;
  } finally {
    removeItem(waiters, fut);
  }
}

function* rethrow(error: [] | [unknown]): Generator<never, void, unknown> {
  if (error.length > 0) throw error[0];
}

/** Shared by Lock, Semaphore and Condition: `async with` acquires, and releases on exit. */
abstract class AcquireRelease extends LoopBound implements AsyncContextManager<undefined> {
  abstract acquire(): Coro<boolean>;
  abstract release(): void;

  /** `__aenter__`: acquires. */
  enter(): Coro<undefined> {
    return acquireEnter(this);
  }

  /** `__aexit__`: releases, then re-throws the body's error if there is one. */
  exit(...error: [] | [unknown]): Coro<void> {
    this.release();
    return rethrowCoro(error);
  }

  /** `async with this: return body()` */
  run<R>(body: Body<undefined, R>): Coro<R> {
    checkBody(body, 'run');
    return runCoro(this, body) as Coro<R>;
  }
}

const acquireEnter = coroutine(function* (cm: AcquireRelease): Generator<unknown, undefined, unknown> {
  yield* cm.acquire();
  return undefined;
});
const rethrowCoro = coroutine(rethrow);
const runCoro = coroutine(withContextGen);

/**
 * A mutex: one holder at a time, FIFO among waiters. asyncio: `asyncio.Lock` (`async with lock` is
 * `lock.run(body)`).
 */
export class Lock extends AcquireRelease {
  /** @internal */ _waiters: Future<boolean>[] | null = null;
  /** @internal */ _locked = false;

  /** Whether the lock is held. asyncio: `Lock.locked`. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free, then takes it; returns true. Fair: waiters get it in the order they
   * came. asyncio: `Lock.acquire`.
   */
  acquire(): Coro<boolean> {
    return lockAcquire(this);
  }

  /** Frees the lock and wakes the first waiter; RuntimeError if it is not locked. asyncio: `Lock.release`. */
  release(): void {
    if (!this._locked) throw new RuntimeError('Lock is not acquired.');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** @internal */ _wakeUpFirst(): void {
    const w = this._waiters;
    if (!w || w.length === 0) return;
    const fut = w[0]!;
    if (!fut.done()) fut.setResult(true);
  }

  override toString(): string {
    const w = this._waiters?.length ?? 0;
    return `<Lock [${this._locked ? 'locked' : 'unlocked'}${w ? `, waiters:${w}` : ''}]>`;
  }
}

const lockAcquire = coroutine(function* (lock: Lock): Generator<unknown, boolean, unknown> {
  if (!lock._locked && (lock._waiters === null || lock._waiters.every((w) => w.cancelled()))) {
    lock._locked = true;
    return true;
  }
  try {
    yield* waitInLine((lock._waiters ??= []), lock._getLoop().createFuture<boolean>());
  } catch (e) {
    // woken but cancelled before taking the lock: make sure the next waiter runs
    if (e instanceof CancelledError && !lock._locked) lock._wakeUpFirst();
    throw e;
  }
  lock._locked = true;
  return true;
});

/** A flag that tasks can wait for. asyncio: `asyncio.Event`. */
export class Event extends LoopBound {
  /** @internal */ _waiters: Future<boolean>[] = [];
  /** @internal */ _value = false;

  /** Whether the flag is set. asyncio: `Event.is_set`. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every waiter. asyncio: `Event.set`. */
  set(): void {
    if (this._value) return;
    this._value = true;
    for (const fut of this._waiters) if (!fut.done()) fut.setResult(true);
  }

  /** Clears the flag: wait() waits again. asyncio: `Event.clear`. */
  clear(): void {
    this._value = false;
  }

  /** Waits until the flag is set; returns true. asyncio: `Event.wait`. */
  wait(): Coro<boolean> {
    return eventWait(this);
  }

  override toString(): string {
    const w = this._waiters.length;
    return `<Event [${this._value ? 'set' : 'unset'}${w ? `, waiters:${w}` : ''}]>`;
  }
}

const eventWait = coroutine(function* (ev: Event): Generator<unknown, boolean, unknown> {
  if (ev._value) return true;
  yield* waitInLine(ev._waiters, ev._getLoop().createFuture<boolean>());
  return true;
});

/** A condition variable over a Lock (its own, or one given). asyncio: `asyncio.Condition`. */
export class Condition extends AcquireRelease {
  /** @internal */ _lock: Lock;
  /** @internal */ _waiters: Future<boolean>[] = [];

  constructor(lock?: Lock) {
    super();
    if (lock !== undefined && !(lock instanceof Lock)) throw new TypeError(`Condition needs a Lock, got ${describe(lock)}`);
    this._lock = lock ?? new Lock();
  }

  /** Whether the underlying lock is held. asyncio: `Condition.locked`. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquires the underlying lock; returns true. asyncio: `Condition.acquire`. */
  acquire(): Coro<boolean> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock; RuntimeError if it is not locked. asyncio: `Condition.release`. */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits for notify(), and takes the lock again before returning true — even
   * when cancelled (the CancelledError comes after the lock is held again).
   * asyncio: `Condition.wait`.
   */
  wait(): Coro<boolean> {
    return condWait(this);
  }

  /** Waits until `predicate()` is truthy; returns its last value. asyncio: `Condition.wait_for`. */
  waitFor<T>(predicate: () => T): Coro<T> {
    if (typeof predicate !== 'function') throw new TypeError(`waitFor() needs a predicate function, got ${describe(predicate)}`);
    return condWaitFor(this, predicate) as Coro<T>;
  }

  /**
   * Wakes up to `n` waiters; the lock must be held. RuntimeError otherwise, TypeError for a
   * non-number. asyncio: `Condition.notify`.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || n !== n) throw new TypeError(`notify() needs a number, got ${describe(n)}`);
    if (!this.locked()) throw new RuntimeError('cannot notify on un-acquired lock');
    this._notify(n);
  }

  /** Wakes every waiter; RuntimeError unless the lock is held. asyncio: `Condition.notify_all`. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /** @internal */ _notify(n: number): void {
    let idx = 0;
    for (const fut of this._waiters) {
      if (idx >= n) break;
      if (!fut.done()) {
        idx++;
        fut.setResult(false);
      }
    }
  }

  override toString(): string {
    const w = this._waiters.length;
    return `<Condition [${this.locked() ? 'locked' : 'unlocked'}${w ? `, waiters:${w}` : ''}]>`;
  }
}

const condWait = coroutine(function* (cond: Condition): Generator<unknown, boolean, unknown> {
  if (!cond.locked()) throw new RuntimeError('cannot wait on un-acquired lock');
  cond.release();
  try {
    try {
      yield* waitInLine(cond._waiters, cond._getLoop().createFuture<boolean>());
      return true;
    } finally {
      // take the lock again even if cancelled; keep the last CancelledError
      let err: CancelledError | null = null;
      for (;;) {
        try {
          yield* cond.acquire();
          break;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          err = e;
        }
      }
      if (err !== null) throw err;
    }
  } catch (e) {
    // the error may have come after this waiter was notified: pass the notification on
    cond._notify(1);
    throw e;
  }
});

const condWaitFor = coroutine(function* (cond: Condition, predicate: () => unknown): Generator<unknown, unknown, unknown> {
  let result = predicate();
  while (!result) {
    yield* cond.wait();
    result = predicate();
  }
  return result;
});

/**
 * A counter of free slots; acquire() waits at 0. FIFO: a newcomer never overtakes a waiter. RangeError
 * for a negative initial value. asyncio: `asyncio.Semaphore`.
 */
export class Semaphore extends AcquireRelease {
  /** @internal */ _waiters: Future<boolean>[] | null = null;
  /** @internal */ _value: number;

  constructor(value = 1) {
    super();
    if (typeof value !== 'number' || value !== value) throw new TypeError(`Semaphore value must be a number, got ${describe(value)}`);
    if (value < 0) throw new RangeError('Semaphore initial value must be >= 0');
    this._value = value;
  }

  /** Whether acquire() would wait (no free slot, or others are queued first). asyncio: `Semaphore.locked`. */
  locked(): boolean {
    return this._value === 0 || (this._waiters !== null && this._waiters.some((w) => !w.cancelled()));
  }

  /**
   * Takes a slot, waiting while none is free (first come, first served); returns true. asyncio:
   * `Semaphore.acquire`.
   */
  acquire(): Coro<boolean> {
    return semAcquire(this);
  }

  /** Gives a slot back and wakes the first waiter. asyncio: `Semaphore.release`. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** @internal wakes the first waiter not yet woken; false if there was none */
  _wakeUpNext(): boolean {
    const w = this._waiters;
    if (!w) return false;
    for (const fut of w) {
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }

  override toString(): string {
    const w = this._waiters?.length ?? 0;
    return `<${this.constructor.name} [${this.locked() ? 'locked' : `unlocked, value:${this._value}`}${w ? `, waiters:${w}` : ''}]>`;
  }
}

const semAcquire = coroutine(function* (sem: Semaphore): Generator<unknown, boolean, unknown> {
  if (!sem.locked()) {
    sem._value--;
    return true;
  }
  const fut = sem._getLoop().createFuture<boolean>();
  try {
    yield* waitInLine((sem._waiters ??= []), fut);
  } catch (e) {
    // woken (a slot was handed to us) but cancelled: give the slot back
    if (e instanceof CancelledError && fut.done() && !fut.cancelled()) sem._value++;
    throw e;
  } finally {
    // newcomers may have queued behind us: wake as many as there are free slots
    while (sem._value > 0) if (!sem._wakeUpNext()) break;
  }
  return true;
});

/** A Semaphore that refuses to be released above its initial value. asyncio: `asyncio.BoundedSemaphore`. */
export class BoundedSemaphore extends Semaphore {
  /** @internal */ _boundValue: number;

  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  /**
   * Gives a slot back; RangeError (asyncio's ValueError) if that would exceed the initial value.
   * asyncio: `BoundedSemaphore.release`.
   */
  override release(): void {
    if (this._value >= this._boundValue) throw new RangeError('BoundedSemaphore released too many times');
    super.release();
  }
}

const enum BarrierState {
  FILLING,
  DRAINING,
  RESETTING,
  BROKEN,
}
const BARRIER_STATES = ['filling', 'draining', 'resetting', 'broken'];

/**
 * Lets `parties` tasks wait until all of them arrived, then releases them together. RangeError unless
 * `parties` > 0. asyncio: `asyncio.Barrier`.
 */
export class Barrier extends LoopBound implements AsyncContextManager<number> {
  /** @internal */ _cond = new Condition();
  /** @internal */ _parties: number;
  /** @internal */ _state = BarrierState.FILLING;
  /** @internal */ _count = 0;

  constructor(parties: number) {
    super();
    if (typeof parties !== 'number' || parties !== parties) throw new TypeError(`Barrier parties must be a number, got ${describe(parties)}`);
    if (parties < 1) throw new RangeError('parties must be > 0');
    this._parties = parties;
  }

  /**
   * Waits until `parties` tasks wait; returns this task's arrival index (0 … parties-1).
   * BrokenBarrierError if the barrier is broken or reset meanwhile. asyncio: `Barrier.wait`.
   */
  wait(): Coro<number> {
    return barrierWait(this);
  }

  /** Back to the empty state; tasks waiting now get BrokenBarrierError. asyncio: `Barrier.reset`. */
  reset(): Coro<void> {
    return barrierReset(this);
  }

  /** Breaks the barrier: waiting and future wait() calls get BrokenBarrierError. asyncio: `Barrier.abort`. */
  abort(): Coro<void> {
    return barrierAbort(this);
  }

  enter(): Coro<number> {
    return this.wait();
  }

  exit(...error: [] | [unknown]): Coro<void> {
    return rethrowCoro(error);
  }

  /**
   * `async with barrier as index: return body(index)`: waits for the barrier, then runs `body` with
   * this task's arrival index. asyncio: `async with barrier`.
   */
  run<R>(body: Body<number, R>): Coro<R> {
    checkBody(body, 'run');
    return runCoro(this, body) as Coro<R>;
  }

  /** How many tasks must wait for the barrier to pass. asyncio: `Barrier.parties`. */
  get parties(): number {
    return this._parties;
  }

  /** How many tasks wait while the barrier fills. asyncio: `Barrier.n_waiting`. */
  get nWaiting(): number {
    return this._state === BarrierState.FILLING ? this._count : 0;
  }

  /** Whether the barrier is broken (by abort()). asyncio: `Barrier.broken`. */
  get broken(): boolean {
    return this._state === BarrierState.BROKEN;
  }

  /** @internal */ _exit(): void {
    if (this._count === 0) {
      if (this._state === BarrierState.RESETTING || this._state === BarrierState.DRAINING) this._state = BarrierState.FILLING;
      this._cond.notifyAll();
    }
  }

  override toString(): string {
    const extra = this._state !== BarrierState.BROKEN ? `, waiters:${this.nWaiting}/${this._parties}` : '';
    return `<Barrier [${BARRIER_STATES[this._state]}${extra}]>`;
  }
}

const barrierWait = coroutine(function* (b: Barrier): Generator<unknown, number, unknown> {
  b._getLoop();
  const cond = b._cond;
  yield* cond.acquire();
  try {
    // wait while the barrier drains or resets
    yield* cond.waitFor(() => b._state !== BarrierState.DRAINING && b._state !== BarrierState.RESETTING);
    if (b._state === BarrierState.BROKEN) throw new BrokenBarrierError('Barrier aborted');
    try {
      const index = b._count++;
      if (index + 1 === b._parties) {
        b._state = BarrierState.DRAINING;
        cond.notifyAll();
      } else {
        yield* cond.waitFor(() => b._state !== BarrierState.FILLING);
        const state = b._state as BarrierState;
        if (state === BarrierState.BROKEN || state === BarrierState.RESETTING) throw new BrokenBarrierError('Abort or reset of barrier');
      }
      return index;
    } finally {
      b._count--;
      b._exit();
    }
  } finally {
    cond.release();
  }
});

const barrierReset = coroutine(function* (b: Barrier): Generator<unknown, void, unknown> {
  yield* withContextGen(b._cond, () => {
    if (b._count > 0) b._state = BarrierState.RESETTING; // the waiting parties get BrokenBarrierError
    else b._state = BarrierState.FILLING;
    b._cond.notifyAll();
  });
});

const barrierAbort = coroutine(function* (b: Barrier): Generator<unknown, void, unknown> {
  yield* withContextGen(b._cond, () => {
    b._state = BarrierState.BROKEN;
    b._cond.notifyAll();
  });
});
