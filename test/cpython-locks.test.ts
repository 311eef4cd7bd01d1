/**
 * CPython's Lib/test/test_asyncio/test_locks.py, each case named after its original, written as
 * generator tasks (asyncio's `await x` is `yield* x`; `asyncio.create_task(c())` is
 * `loop.createTask(c)`). Reprs are wasmloop's (`<Lock [locked]>`: no address), with asyncio's
 * extras. Both cores, virtual clock. Python's ValueError is RangeError (API.md §9).
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import { Barrier, BoundedSemaphore, BrokenBarrierError, CancelledError, Condition, Event, Lock, RuntimeError, Semaphore, TaskGroup, TimeoutError, gather, sleep, wait, waitFor, type EventLoop, type Task } from '../bindings/index.js';
import { CORES, runTask, vloop } from './helpers.js';

const RGX_REPR = /^<(\w+) \[((set|unset|locked|unlocked|filling|draining|resetting|broken)(, value:\d)?(, waiters:\d+)?(, waiters:\d+\/\d+)?)\]>$/;
const N = 5;
type G<T = unknown> = Generator<unknown, T, unknown>;

/** asyncio's `with self.assertRaises(...): await aw`: what awaiting `aw` threw (undefined if nothing) */
function* raises(aw: { [Symbol.iterator](): G }): G<unknown> {
  try {
    yield* aw;
  } catch (e) {
    return e;
  }
  return undefined;
}

/** test_notify's c1/c2/c3: wait under the lock, note `k` once notified, release */
function notifiedWaiter(cond: Condition, result: number[], k: number): () => G<boolean> {
  return function* () {
    yield* cond.acquire();
    if (yield* cond.wait()) {
      result.push(k);
      cond.release();
    }
    return true;
  };
}

/** asyncio's closing checks of a Barrier test: nobody waits, not broken */
function expectIntact(barrier: Barrier): void {
  expect(barrier.nWaiting).toBe(0);
  expect(barrier.broken).toBe(false);
}

/** asyncio's IsolatedAsyncioTestCase: the body runs as a task on a fresh virtual-clock loop. */
function body(core: (typeof CORES)[number], fn: (loop: EventLoop) => G): () => Promise<void> {
  return async () => {
    const loop = vloop(core);
    await runTask(loop, () => fn(loop));
    loop.close();
  };
}

describe.each(CORES)('test_locks (%s core)', (core) => {
  it(
    'test_locks.LockTests.test_repr',
    body(core, function* () {
      const lock = new Lock();
      expect(String(lock).endsWith('[unlocked]>')).toBe(true);
      expect(String(lock)).toMatch(RGX_REPR);
      yield* lock.acquire();
      expect(String(lock).endsWith('[locked]>')).toBe(true);
      expect(String(lock)).toMatch(RGX_REPR);
    }),
  );

  it(
    'test_locks.LockTests.test_acquire',
    body(core, function* (loop) {
      const lock = new Lock();
      const result: number[] = [];
      expect(yield* lock.acquire()).toBe(true);
      const c = (k: number) =>
        function* () {
          if (yield* lock.acquire()) result.push(k);
          return true;
        };
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      yield* sleep(0);
      expect(result).toEqual([]);
      lock.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      yield* sleep(0);
      expect(result).toEqual([1]);
      const t3 = loop.createTask(c(3));
      lock.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);
      lock.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      for (const t of [t1, t2, t3]) expect(t.done() && t.result()).toBe(true);
    }),
  );

  it(
    'test_locks.LockTests.test_acquire_cancel',
    body(core, function* (loop) {
      const lock = new Lock();
      expect(yield* lock.acquire()).toBe(true);
      const task = loop.createTask(lock.acquire());
      loop.callSoon(() => task.cancel());
      expect(yield* raises(task)).toBeInstanceOf(CancelledError);
      expect((lock as unknown as { _waiters: unknown[] | null })._waiters ?? []).toHaveLength(0);
    }),
  );

  it(
    'test_locks.LockTests.test_cancel_race',
    body(core, function* (loop) {
      const lock = new Lock();
      const waiters = () => (lock as unknown as { _waiters: { cancelled(): boolean }[] | null })._waiters ?? [];
      const lockit = (blocker: { [Symbol.iterator](): G } | null) =>
        function* () {
          yield* lock.acquire();
          try {
            if (blocker !== null) yield* blocker;
          } finally {
            lock.release();
          }
        };
      const fa = loop.createFuture<void>();
      const ta = loop.createTask(lockit(fa));
      yield* sleep(0);
      expect(lock.locked()).toBe(true);
      const tb = loop.createTask(lockit(null));
      yield* sleep(0);
      expect(waiters()).toHaveLength(1);
      const tc = loop.createTask(lockit(null));
      yield* sleep(0);
      expect(waiters()).toHaveLength(2);
      fa.setResult(undefined);
      tb.cancel();
      expect(waiters()[0]!.cancelled()).toBe(true);
      yield* sleep(0);
      expect(lock.locked()).toBe(false);
      expect(ta.done()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      yield* tc;
    }),
  );

  it(
    'test_locks.LockTests.test_cancel_release_race',
    body(core, function* (loop) {
      const lock = new Lock();
      let lockCount = 0;
      let callCount = 0;
      const lockit = function* () {
        callCount++;
        yield* lock.acquire();
        lockCount++;
      };
      yield* lock.acquire();
      const t1 = loop.createTask(lockit);
      const t2 = loop.createTask(lockit);
      const t3 = loop.createTask(lockit);
      yield* sleep(0);
      loop.callSoon(() => {
        t1.cancel();
        lock.release();
      });
      expect(yield* raises(t1)).toBeInstanceOf(CancelledError);
      expect(lockCount).toBe(1); // only one took the lock
      expect(callCount).toBe(3);
      expect(t1.cancelled() && t2.done()).toBe(true);
      t3.cancel();
      yield* sleep(0);
      expect(t3.cancelled()).toBe(true);
    }),
  );

  it(
    'test_locks.LockTests.test_finished_waiter_cancelled',
    body(core, function* (loop) {
      const lock = new Lock();
      yield* lock.acquire();
      expect(lock.locked()).toBe(true);
      const tb = loop.createTask(lock.acquire());
      yield* sleep(0);
      const tc = loop.createTask(lock.acquire());
      tb.cancel();
      lock.release();
      yield* sleep(0);
      expect(lock.locked()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      yield* tc;
    }),
  );

  it('test_locks.LockTests.test_release_not_acquired', () => {
    expect(() => new Lock().release()).toThrow(RuntimeError);
  });

  it.each([
    ['LockTests', () => new Lock()],
    ['SemaphoreTests', () => new Semaphore()],
  ] as const)('test_locks.%s.test_release_no_waiters', (_name, make) =>
    body(core, function* () {
      const lock = make();
      yield* lock.acquire();
      expect(lock.locked()).toBe(true);
      lock.release();
      expect(lock.locked()).toBe(false);
    })(),
  );

  it(
    'test_locks.LockTests.test_context_manager',
    body(core, function* () {
      const lock = new Lock();
      expect(lock.locked()).toBe(false);
      yield* lock.run(function* () {
        expect(lock.locked()).toBe(true);
      });
      expect(lock.locked()).toBe(false);
    }),
  );

  it('test_locks.EventTests.test_repr', () => {
    const ev = new Event();
    expect(String(ev).endsWith('[unset]>')).toBe(true);
    expect(RGX_REPR.exec(String(ev))![2]).toBe('unset');
    ev.set();
    expect(String(ev).endsWith('[set]>')).toBe(true);
    (ev as unknown as { _waiters: unknown[] })._waiters.push({});
    expect(String(ev)).toContain('waiters:1');
    expect(String(ev)).toMatch(RGX_REPR);
  });

  it(
    'test_locks.EventTests.test_wait',
    body(core, function* (loop) {
      const ev = new Event();
      expect(ev.isSet()).toBe(false);
      const result: number[] = [];
      const c = (k: number) =>
        function* () {
          if (yield* ev.wait()) result.push(k);
        };
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      yield* sleep(0);
      expect(result).toEqual([]);
      const t3 = loop.createTask(c(3));
      ev.set();
      yield* sleep(0);
      expect(result).toEqual([3, 1, 2]);
      for (const t of [t1, t2, t3]) expect(t.done() && t.result() === undefined).toBe(true);
    }),
  );

  it(
    'test_locks.EventTests.test_wait_on_set',
    body(core, function* () {
      const ev = new Event();
      ev.set();
      expect(yield* ev.wait()).toBe(true);
    }),
  );

  it(
    'test_locks.EventTests.test_wait_cancel',
    body(core, function* (loop) {
      const ev = new Event();
      const w = loop.createTask(ev.wait());
      loop.callSoon(() => w.cancel());
      expect(yield* raises(w)).toBeInstanceOf(CancelledError);
      expect((ev as unknown as { _waiters: unknown[] })._waiters).toHaveLength(0);
    }),
  );

  it('test_locks.EventTests.test_clear', () => {
    const ev = new Event();
    expect(ev.isSet()).toBe(false);
    ev.set();
    expect(ev.isSet()).toBe(true);
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  it(
    'test_locks.EventTests.test_clear_with_waiters',
    body(core, function* (loop) {
      const ev = new Event();
      const waiters = () => (ev as unknown as { _waiters: unknown[] })._waiters;
      const result: number[] = [];
      const t = loop.createTask(function* () {
        if (yield* ev.wait()) result.push(1);
        return true;
      });
      yield* sleep(0);
      expect(result).toEqual([]);
      ev.set();
      ev.clear();
      expect(ev.isSet()).toBe(false);
      ev.set();
      ev.set();
      expect(waiters()).toHaveLength(1);
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(waiters()).toHaveLength(0);
      expect(t.done() && t.result()).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait',
    body(core, function* (loop) {
      const cond = new Condition();
      const result: number[] = [];
      const c = (k: number) =>
        function* () {
          yield* cond.acquire();
          if (yield* cond.wait()) result.push(k);
          return true;
        };
      const ts = [1, 2, 3].map((k) => loop.createTask(c(k)));
      yield* sleep(0);
      expect(result).toEqual([]);
      expect(cond.locked()).toBe(false);
      expect(yield* cond.acquire()).toBe(true);
      cond.notify();
      yield* sleep(0);
      expect(result).toEqual([]);
      expect(cond.locked()).toBe(true);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(cond.locked()).toBe(true);
      cond.notify(2);
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(cond.locked()).toBe(true);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);
      expect(cond.locked()).toBe(true);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      expect(cond.locked()).toBe(true);
      for (const t of ts) expect(t.done() && t.result()).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait_cancel',
    body(core, function* (loop) {
      const cond = new Condition();
      yield* cond.acquire();
      const w = loop.createTask(cond.wait());
      loop.callSoon(() => w.cancel());
      expect(yield* raises(w)).toBeInstanceOf(CancelledError);
      expect((cond as unknown as { _waiters: unknown[] })._waiters).toHaveLength(0);
      expect(cond.locked()).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait_cancel_contested',
    body(core, function* (loop) {
      const cond = new Condition();
      yield* cond.acquire();
      expect(cond.locked()).toBe(true);
      const waitTask = loop.createTask(cond.wait());
      yield* sleep(0);
      expect(cond.locked()).toBe(false);
      // notify, but contest the lock before cancelling
      yield* cond.acquire();
      expect(cond.locked()).toBe(true);
      cond.notify();
      loop.callSoon(() => waitTask.cancel());
      loop.callSoon(() => cond.release());
      try {
        yield* waitTask;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      expect(cond.locked()).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait_cancel_after_notify',
    body(core, function* (loop) {
      let waited = false;
      const cond = new Condition();
      const waiter = loop.createTask(function* () {
        yield* cond.run(function* () {
          waited = true;
          yield* cond.wait();
        });
      });
      yield* sleep(0); // start waiting
      yield* cond.acquire();
      cond.notify();
      yield* sleep(0); // get to acquire()
      waiter.cancel();
      yield* sleep(0); // activate cancellation
      cond.release();
      yield* sleep(0); // cancellation should occur
      expect(waiter.cancelled()).toBe(true);
      expect(waited).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait_unacquired',
    body(core, function* () {
      const cond = new Condition();
      expect(yield* raises(cond.wait())).toBeInstanceOf(RuntimeError);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait_for',
    body(core, function* (loop) {
      const cond = new Condition();
      let presult = false;
      const result: number[] = [];
      const t = loop.createTask(function* () {
        yield* cond.acquire();
        if (yield* cond.waitFor(() => presult)) {
          result.push(1);
          cond.release();
        }
        return true;
      });
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([]);
      presult = true;
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(t.done() && t.result()).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_wait_for_unacquired',
    body(core, function* () {
      const cond = new Condition();
      expect(yield* cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]); // the predicate holds at once
      expect(yield* raises(cond.waitFor(() => false))).toBeInstanceOf(RuntimeError);
    }),
  );

  it('test_locks.SemaphoreTests.test_repr', () => {
    const sem = new Semaphore();
    expect(String(sem).endsWith('[unlocked, value:1]>')).toBe(true);
    expect(String(sem)).toMatch(RGX_REPR);
    expect(String(new BoundedSemaphore(0))).toMatch(/^<BoundedSemaphore \[locked\]>$/);
  });

  it('test_locks.SemaphoreTests.test_initial_value_zero', () => {
    expect(new Semaphore(0).locked()).toBe(true);
  });

  it(
    'test_locks.SemaphoreTests.test_acquire_cancel_before_awoken',
    body(core, function* (loop) {
      const sem = new Semaphore(0);
      const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => loop.createTask(sem.acquire()));
      yield* sleep(0);
      t1!.cancel();
      t2!.cancel();
      sem.release();
      yield* sleep(0);
      yield* sleep(0);
      expect([t3, t4].filter((t) => t!.done())).toHaveLength(1);
      expect(t3!.done()).toBe(true);
      expect(t4!.done()).toBe(false);
      t3!.cancel();
      t4!.cancel();
      yield* sleep(0);
    }),
  );

  it(
    'test_locks.SemaphoreTests.test_repr (held)',
    body(core, function* () {
      const sem = new Semaphore();
      yield* sem.acquire();
      expect(String(sem).endsWith('[locked]>')).toBe(true);
      expect(String(sem)).not.toContain('waiters');
      expect(String(sem)).toMatch(RGX_REPR);
    }),
  );

  it('test_locks.SemaphoreTests.test_semaphore_value', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
  });

  it(
    'test_locks.SemaphoreTests.test_acquire',
    body(core, function* (loop) {
      const sem = new Semaphore(3);
      const waiters = () => (sem as unknown as { _waiters: unknown[] | null })._waiters ?? [];
      const value = () => (sem as unknown as { _value: number })._value;
      const result: number[] = [];
      expect(yield* sem.acquire()).toBe(true);
      expect(yield* sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(false);
      const c = (k: number) =>
        function* () {
          yield* sem.acquire();
          result.push(k);
          return true;
        };
      const t1 = loop.createTask(c(1));
      const t2 = loop.createTask(c(2));
      const t3 = loop.createTask(c(3));
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(sem.locked()).toBe(true);
      expect(waiters()).toHaveLength(2);
      expect(value()).toBe(0);
      const t4 = loop.createTask(c(4));
      sem.release();
      sem.release();
      expect(value()).toBe(0);
      yield* sleep(0);
      expect(value()).toBe(0);
      expect(result).toHaveLength(3);
      expect(sem.locked()).toBe(true);
      expect(waiters()).toHaveLength(1);
      expect(t1.done() && t1.result()).toBe(true);
      const race = [t2, t3, t4];
      expect(race.filter((t) => t.done() && t.result())).toHaveLength(2);
      sem.release();
      yield* gather(...race);
    }),
  );

  it(
    'test_locks.SemaphoreTests.test_acquire_cancel',
    body(core, function* (loop) {
      const sem = new Semaphore();
      yield* sem.acquire();
      const acquire = loop.createTask(sem.acquire());
      loop.callSoon(() => acquire.cancel());
      expect(yield* raises(acquire)).toBeInstanceOf(CancelledError);
      const ws = (sem as unknown as { _waiters: { done(): boolean }[] | null })._waiters ?? [];
      expect(ws.every((w) => w.done())).toBe(true);
    }),
  );

  it(
    'test_locks.SemaphoreTests.test_acquire_hang',
    body(core, function* (loop) {
      const sem = new Semaphore(0);
      const t1 = loop.createTask(sem.acquire());
      const t2 = loop.createTask(sem.acquire());
      yield* sleep(0);
      t1.cancel();
      sem.release();
      yield* sleep(0);
      yield* sleep(0);
      expect(sem.locked()).toBe(true);
      expect(t2.done()).toBe(true);
    }),
  );

  it(
    'test_locks.SemaphoreTests.test_acquire_no_hang',
    body(core, function* (loop) {
      const sem = new Semaphore(1);
      let t2!: Task<unknown>;
      const t1 = loop.createTask(function* () {
        yield* sem.run(function* () {
          yield* sleep(0);
        });
        t2.cancel();
      });
      t2 = loop.createTask(function* () {
        yield* sem.run(function* () {
          throw new Error('not reached');
        });
      });
      const [r1, r2] = yield* gather(t1, t2, { returnExceptions: true });
      expect(r1).toBe(undefined);
      expect(r2).toBeInstanceOf(CancelledError);
      yield* waitFor(sem.acquire(), 1.0);
    }),
  );

  it('test_locks.SemaphoreTests.test_release_not_acquired', () => {
    expect(() => new BoundedSemaphore().release()).toThrow(RangeError);
  });

  it(
    'test_locks.SemaphoreTests.test_acquire_fifo_order',
    body(core, function* () {
      const sem = new Semaphore(1);
      const result: string[] = [];
      const coro = (tag: string) =>
        function* () {
          yield* sem.acquire();
          result.push(`${tag}_1`);
          yield* sleep(0.01);
          sem.release();
          yield* sem.acquire();
          result.push(`${tag}_2`);
          yield* sleep(0.01);
          sem.release();
        };
      yield* new TaskGroup().run(function* (tg) {
        for (const tag of ['c1', 'c2', 'c3']) tg.createTask(coro(tag));
      });
      expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
    }),
  );

  it(
    'test_locks.SemaphoreTests.test_acquire_fifo_order_2',
    body(core, function* (loop) {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = loop.createTask(function* () {
        yield* sem.acquire();
        result.push(1);
        return true;
      });
      const t2 = loop.createTask(function* () {
        yield* sem.acquire();
        result.push(2);
        sem.release();
        yield* sem.acquire();
        result.push(4);
        return true;
      });
      const t3 = loop.createTask(function* () {
        yield* sem.acquire();
        result.push(3);
        return true;
      });
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* gather(t1, t2, t3);
      expect(result).toEqual([1, 2, 3, 4]);
    }),
  );

  it(
    'test_locks.SemaphoreTests.test_acquire_fifo_order_3',
    body(core, function* (loop) {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const c = (k: number) =>
        function* () {
          yield* sem.acquire();
          result.push(k);
          return true;
        };
      const tasks = [1, 2, 3].map((k) => loop.createTask(c(k)));
      yield* sleep(0);
      tasks[0]!.cancel();
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* gather(...tasks, { returnExceptions: true });
      expect(result).toEqual([2, 3]);
    }),
  );

  it(
    'test_locks.ConditionTests.test_notify',
    body(core, function* (loop) {
      const cond = new Condition();
      const result: number[] = [];
      const ts = [1, 2, 3].map((k) => loop.createTask(notifiedWaiter(cond, result, k)));
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      yield* cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      for (const t of ts) expect(t.done() && t.result()).toBe(true);
    }),
  );

  it(
    'test_locks.ConditionTests.test_notify_all',
    body(core, function* (loop) {
      const cond = new Condition();
      const result: number[] = [];
      const ts = [1, 2].map((k) => loop.createTask(notifiedWaiter(cond, result, k)));
      yield* sleep(0);
      expect(result).toEqual([]);
      yield* cond.acquire();
      cond.notifyAll();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);
      for (const t of ts) expect(t.done() && t.result()).toBe(true);
    }),
  );

  it('test_locks.ConditionTests.test_notify_unacquired and test_notify_all_unacquired', () => {
    const cond = new Condition();
    expect(() => cond.notify()).toThrow(RuntimeError);
    expect(() => cond.notifyAll()).toThrow(RuntimeError);
  });

  it(
    'test_locks.ConditionTests.test_repr',
    body(core, function* () {
      const cond = new Condition();
      expect(String(cond)).toContain('unlocked');
      expect(String(cond)).toMatch(RGX_REPR);
      yield* cond.acquire();
      expect(String(cond)).toContain('locked');
      const ws = (cond as unknown as { _waiters: unknown[] })._waiters;
      ws.push({});
      expect(String(cond)).toContain('waiters:1');
      expect(String(cond)).toMatch(RGX_REPR);
      ws.push({});
      expect(String(cond)).toContain('waiters:2');
      expect(String(cond)).toMatch(RGX_REPR);
      ws.length = 0;
    }),
  );

  it(
    'test_locks.ConditionTests.test_explicit_lock',
    body(core, function* () {
      const f = function* (lock: Lock | null, cond: Condition | null): G<void> {
        lock ??= new Lock();
        cond ??= new Condition(lock);
        expect((cond as unknown as { _lock: Lock })._lock).toBe(lock);
        expect(lock.locked() || cond.locked()).toBe(false);
        yield* cond.run(function* () {
          expect(lock!.locked() && cond!.locked()).toBe(true);
        });
        expect(lock.locked() || cond.locked()).toBe(false);
        yield* lock.run(function* () {
          expect(lock!.locked() && cond!.locked()).toBe(true);
        });
        expect(lock.locked() || cond.locked()).toBe(false);
      };
      yield* f(null, null);
      yield* f(new Lock(), null);
      const lock = new Lock();
      yield* f(lock, new Condition(lock));
    }),
  );

  it(
    'test_locks.ConditionTests.test_timeout_in_block',
    body(core, function* () {
      const condition = new Condition();
      yield* condition.run(function* () {
        expect(yield* raises(waitFor(condition.wait(), 0.5))).toBeInstanceOf(TimeoutError);
      });
      expect(condition.locked()).toBe(false);
    }),
  );

  // ---- Barrier (3.11) ----

  const gatherTasks = function* (loop: EventLoop, n: number, coro: () => G): G<unknown[]> {
    const tasks: Task<unknown>[] = [];
    for (let i = 0; i < n; i++) tasks.push(loop.createTask(coro));
    return (yield* gather(...tasks)) as unknown[];
  };

  it(
    'test_locks.BarrierTests.test_repr: filling, waiters:k/N, draining, resetting, broken as asyncio shows them',
    body(core, function* (loop) {
      const barrier = new Barrier(N);
      expect(String(barrier)).toMatch(RGX_REPR);
      expect(String(barrier)).toBe(`<Barrier [filling, waiters:0/${N}]>`);
      const waiters: Task<unknown>[] = [];
      const w = function* () {
        yield* barrier.wait();
      };
      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(loop.createTask(w));
      yield* sleep(0);
      expect(String(barrier)).toMatch(RGX_REPR);
      expect(String(barrier)).toContain(`waiters:${incr}/${N}`);
      expect(String(barrier)).toContain('filling');
      for (let i = 0; i < barrier.parties - barrier.nWaiting; i++) waiters.push(loop.createTask(w));
      yield* sleep(0);
      expect(String(barrier)).toMatch(RGX_REPR);
      expect(String(barrier)).toContain('draining');
      expect(String(barrier)).toBe(`<Barrier [draining, waiters:0/${N}]>`);
      for (let i = 0; i < incr; i++) waiters.push(loop.createTask(w));
      yield* sleep(0);
      yield* barrier.reset();
      expect(String(barrier)).toMatch(RGX_REPR);
      expect(String(barrier)).toContain('resetting');
      for (let i = 0; i < incr; i++) waiters.push(loop.createTask(w));
      yield* sleep(0);
      yield* barrier.abort();
      expect(String(barrier)).toMatch(RGX_REPR);
      expect(String(barrier)).toBe('<Barrier [broken]>');
      expect(barrier.broken).toBe(true);
      yield* gather(...waiters, { returnExceptions: true });
    }),
  );

  it('test_locks.BarrierTests.test_barrier_parties', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(-4)).toThrow(RangeError);
    expect(new Barrier(N)).toBeInstanceOf(Barrier);
  });

  it(
    'test_locks.BarrierTests.test_context_manager',
    body(core, function* (loop) {
      const barrier = new Barrier(3);
      const results: number[] = [];
      yield* gatherTasks(loop, 3, function* () {
        yield* barrier.run(function* (i) {
          results.push(i);
        });
      });
      expect(results.sort()).toEqual([0, 1, 2]);
      expectIntact(barrier);
    }),
  );

  it(
    'test_locks.BarrierTests.test_filling_one_task_twice',
    body(core, function* (loop) {
      const barrier = new Barrier(1);
      const t1 = loop.createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      const t2 = loop.createTask(barrier.wait());
      yield* sleep(0);
      expect(t1.result()).toBe(t2.result());
      expect(t1.done()).toBe(t2.done());
      expectIntact(barrier);
    }),
  );

  it(
    'test_locks.BarrierTests.test_filling_task_by_task',
    body(core, function* (loop) {
      const barrier = new Barrier(3);
      const t1 = loop.createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      expect(String(barrier)).toContain('filling');
      const t2 = loop.createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      expect(String(barrier)).toContain('filling');
      const t3 = loop.createTask(barrier.wait());
      yield* sleep(0);
      yield* wait([t1, t2, t3]);
      expectIntact(barrier);
    }),
  );

  it(
    'test_locks.BarrierTests.test_draining_state',
    body(core, function* (loop) {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      yield* gatherTasks(loop, N, function* () {
        yield* barrier.run(function* () {
          // the state goes back to filling when the last task leaves
          results.push(String(barrier).includes('draining'));
        });
      });
      expect(results).toHaveLength(N);
      expect(results.at(-1)).toBe(false);
      expect(results.slice(0, N - 1).every(Boolean)).toBe(true);
      expectIntact(barrier);
    }),
  );

  it(
    'test_locks.BarrierTests.test_filling_tasks_cancel_one',
    body(core, function* (loop) {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      const coro = function* () {
        yield* barrier.wait();
        results.push(true);
      };
      const t1 = loop.createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      const t2 = loop.createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      expect(t1.cancelled()).toBe(true);
      const t3 = loop.createTask(coro);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t4 = loop.createTask(coro);
      yield* gather(t2, t3, t4);
      expect(results).toEqual([true, true, true]);
      expectIntact(barrier);
    }),
  );

  it(
    'test_locks.BarrierTests.test_reset_barrier',
    body(core, function* (loop) {
      const barrier = new Barrier(1);
      loop.createTask(barrier.reset());
      yield* sleep(0);
      expectIntact(barrier);
    }),
  );

  it(
    'test_locks.BarrierTests.test_reset_barrier_while_tasks_waiting',
    body(core, function* (loop) {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const tasks = Array.from({ length: N - 1 }, () =>
        loop.createTask(function* () {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (e instanceof BrokenBarrierError) results.push(true);
            else throw e;
          }
        }),
      );
      yield* sleep(0);
      loop.createTask(barrier.reset());
      yield* gather(...tasks);
      expect(results).toEqual(Array(N - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
      expect(barrier.broken).toBe(false);
    }),
  );

  it(
    'test_locks.BarrierTests.test_abort_barrier',
    body(core, function* (loop) {
      const barrier = new Barrier(1);
      loop.createTask(barrier.abort());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(true);
    }),
  );

  it(
    'test_locks.BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking',
    body(core, function* (loop) {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      yield* gatherTasks(loop, N, function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results1.push(true); // tasks waiting to drain
          return;
        }
        count++;
        if (count > blockingTasks) yield* barrier.abort();
        else {
          try {
            yield* barrier.wait();
          } catch (e) {
            if (!(e instanceof BrokenBarrierError)) throw e;
            results2.push(true); // blocked tasks, already drained
          }
        }
      });
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual(Array(blockingTasks).fill(true));
      expect(results2).toEqual(Array(N - blockingTasks - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain('resetting');
    }),
  );
});
