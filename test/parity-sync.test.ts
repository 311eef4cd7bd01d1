/**
 * Races of CPython's test_locks.py and test_queues.py that the other suites did not re-express:
 * a waiter cancelled in the same iteration as it is woken (Lock, Condition, Semaphore, Queue), the
 * order in which woken waiters and newcomers run, CancelledError instances kept through
 * Condition.wait, queues shut down with unfinished items. Every waiter runs as a generator task
 * (`yield*`) and as an async-function task (`await`); both cores, virtual clock.
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  CancelledError,
  Condition,
  Event,
  Lock,
  Queue,
  QueueShutDown,
  Semaphore,
  TimeoutError,
  gather,
  sleep,
  timeout,
  waitFor,
  type Coro,
  type Future,
  type EventLoop,
  type Task,
} from '../bindings/index.js';
import { CORES, runTask, vloop } from './helpers.js';

const KINDS = ['generator', 'async'] as const;
type Kind = (typeof KINDS)[number];

/** A task running `make()`'s coroutine: delegated to (`yield*`) or awaited (`await`). */
function spawn<T>(loop: EventLoop, kind: Kind, make: () => Coro<T>): Task<T> {
  return kind === 'generator'
    ? loop.createTask(function* () {
        return yield* make();
      })
    : loop.createTask(async () => await make());
}

/** A task running `body`, written once as a generator; `kind` says whether its waits are `yield*` or `await`. */
function spawnBody<T>(loop: EventLoop, kind: Kind, body: (wait: <V>(c: Coro<V>) => Generator<unknown, V, unknown>) => Generator<unknown, T, unknown>): Task<T> {
  if (kind === 'generator')
    return loop.createTask(() =>
      body(function* <V>(c: Coro<V>) {
        return yield* c;
      }),
    );
  // the same steps, each wait an `await` of an async function driving the generator by hand
  return loop.createTask(async () => {
    const marker: unique symbol = Symbol('wait');
    const gen = body(function* <V>(c: Coro<V>): Generator<unknown, V, unknown> {
      return (yield [marker, c]) as V;
    });
    let r = gen.next();
    while (!r.done) {
      const [, c] = r.value as [symbol, Coro<unknown>];
      try {
        r = gen.next(await c);
      } catch (e) {
        r = gen.throw(e);
      }
    }
    return r.value;
  });
}

/** What awaiting `aw` throws (undefined if nothing), as a Future the driver task can `yield*`. */
function failure(aw: unknown): Future<unknown> {
  const f = gather(aw as Future<unknown>, { returnExceptions: true });
  const out = (f.getLoop() as EventLoop).createFuture<unknown>();
  f.addDoneCallback(() => out.setResult(f.result()[0] instanceof Error ? f.result()[0] : undefined));
  return out;
}

/**
 * `yield* tick(kind)`: the driver lets the tasks it races take one step. The driver is always a
 * generator task, stepping as an asyncio test coroutine does. A generator task's step is one loop
 * callback, as in asyncio; an async-function task's step ends in the microtasks after the
 * iteration's callbacks (README, "Generator tasks and async-function tasks", point 1), so the
 * driver sees its effects one iteration later.
 */
function* tick(kind: Kind = 'generator'): Generator<unknown, void, unknown> {
  yield* sleep(0);
  if (kind === 'async') yield* sleep(0);
}

describe.each(CORES)('Lock and Event races (%s core)', (core) => {
  it.each(KINDS)('the holder releases while the first waiter is cancelled: the next waiter gets the lock (%s)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    const lockit = (blocker: Promise<unknown> | null) =>
      spawnBody(loop, kind, function* (wait) {
        yield* wait(lock.acquire());
        try {
          if (blocker !== null) yield* wait(blocker as unknown as Coro<unknown>);
        } finally {
          lock.release();
        }
      });
    await runTask(loop, function* () {
      const fa = loop.createFuture();
      const ta = lockit(fa as unknown as Promise<unknown>);
      yield* tick(kind);
      expect(lock.locked()).toBe(true);
      const tb = lockit(null);
      yield* tick(kind);
      expect(lock._waiters!.length).toBe(1);
      const tc = lockit(null);
      yield* tick(kind);
      expect(lock._waiters!.length).toBe(2);
      fa.setResult(undefined);
      tb.cancel();
      expect(lock._waiters![0]!.cancelled()).toBe(true);
      yield* tick(kind);
      expect(lock.locked()).toBe(false);
      expect(ta.done()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      yield* tc;
      expect(lock.locked()).toBe(false);
    });
    loop.close();
  });

  it.each(KINDS)('cancel the first waiter and release in one callback: exactly one waiter takes the lock (bpo-32734, %s)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    let lockCount = 0;
    let callCount = 0;
    await runTask(loop, function* () {
      yield* lock.acquire();
      const lockit = () =>
        spawnBody(loop, kind, function* (wait) {
          callCount++;
          yield* wait(lock.acquire());
          lockCount++;
        });
      const [t1, t2, t3] = [lockit(), lockit(), lockit()];
      yield* tick(kind);
      loop.callSoon(() => {
        t1.cancel();
        lock.release();
      });
      expect(yield* failure(t1)).toBeInstanceOf(CancelledError);
      expect(lockCount).toBe(1);
      expect(callCount).toBe(3);
      expect(t1.cancelled() && t2.done()).toBe(true);
      t3.cancel();
      yield* tick(kind);
      expect(t3.cancelled()).toBe(true);
    });
    loop.close();
  });

  it.each(KINDS)('a woken waiter cancelled before it ran, with a newcomer queued: the newcomer gets the lock (%s)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    await runTask(loop, function* () {
      yield* lock.acquire();
      const tb = spawn(loop, kind, () => lock.acquire());
      yield* tick(kind);
      expect(lock._waiters!.length).toBe(1);
      const tc = spawn(loop, kind, () => lock.acquire());
      tb.cancel();
      lock.release();
      yield* tick(kind);
      expect(lock.locked()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      expect(yield* tc).toBe(true);
    });
    loop.close();
  });

  it.each(KINDS)('Event.set: a task started after the waiters but before set() runs first (%s)', async (kind) => {
    const loop = vloop(core);
    const ev = new Event();
    const result: number[] = [];
    await runTask(loop, function* () {
      const c = (i: number) =>
        spawnBody(loop, kind, function* (wait) {
          if (yield* wait(ev.wait())) result.push(i);
        });
      const t1 = c(1);
      const t2 = c(2);
      yield* tick(kind);
      expect(result).toEqual([]);
      const t3 = c(3);
      ev.set();
      yield* tick(kind);
      // generator tasks: asyncio's order (t3's first step was queued before set() woke t1 and t2).
      // async tasks: t3's `await ev.wait()` starts in the microtasks after that iteration's
      // callbacks, which woke t1 and t2 first (README, point 1)
      expect(result).toEqual(kind === 'generator' ? [3, 1, 2] : [1, 2, 3]);
      expect([t1.done(), t2.done(), t3.done()]).toEqual([true, true, true]);
    });
    loop.close();
  });

  it.each(KINDS)('Event set, cleared and set again before the waiter runs: it was woken once, the waiter list empties (%s)', async (kind) => {
    const loop = vloop(core);
    const ev = new Event();
    await runTask(loop, function* () {
      const t = spawn(loop, kind, () => ev.wait());
      yield* tick(kind);
      ev.set();
      ev.clear();
      expect(ev.isSet()).toBe(false);
      ev.set();
      ev.set();
      expect(ev._waiters.length).toBe(1);
      yield* tick(kind);
      expect(ev._waiters.length).toBe(0);
      expect(t.result()).toBe(true);
    });
    loop.close();
  });
});

describe.each(CORES)('Condition races (%s core)', (core) => {
  it.each(KINDS)('notify, then the lock contested, then cancel: the waiter ends holding the lock, no CancelledError (%s)', async (kind) => {
    const loop = vloop(core);
    const cond = new Condition();
    await runTask(loop, function* () {
      yield* cond.acquire();
      const waitTask = spawn(loop, kind, () => cond.wait());
      yield* tick(kind);
      expect(cond.locked()).toBe(false);
      yield* cond.acquire();
      cond.notify();
      loop.callSoon(() => waitTask.cancel());
      loop.callSoon(() => cond.release());
      let cancelled = false;
      try {
        yield* waitTask;
      } catch (e) {
        cancelled = e instanceof CancelledError;
      }
      expect(cond.locked()).toBe(true);
      expect(cancelled).toBe(waitTask.cancelled());
    });
    loop.close();
  });

  it.each(KINDS)('cancelled while re-acquiring after notify: the task ends cancelled, having held the lock (bpo-32841, %s)', async (kind) => {
    const loop = vloop(core);
    const cond = new Condition();
    let waited = false;
    await runTask(loop, function* () {
      const waiter = spawnBody(loop, kind, function* (wait) {
        yield* wait(cond.acquire());
        try {
          waited = true;
          yield* wait(cond.wait());
        } finally {
          cond.release();
        }
      });
      yield* tick(kind);
      yield* cond.acquire();
      cond.notify();
      yield* tick(kind);
      waiter.cancel();
      yield* tick(kind);
      cond.release();
      yield* tick(kind);
      yield* tick(kind);
      expect(waiter.cancelled()).toBe(true);
      expect(waited).toBe(true);
      expect(cond.locked()).toBe(false);
    });
    loop.close();
  });

  it.each(KINDS)('the CancelledError out of waitFor is the very instance, with its message, cancelled at the wait or at the re-acquire (%s)', async (kind) => {
    const loop = vloop(core);
    for (const where of ['wait', 'reacquire'] as const) {
      const cond = new Condition();
      let wake = false;
      let raised: unknown = null;
      await runTask(loop, function* () {
        const task = spawnBody(loop, kind, function* (wait) {
          yield* wait(cond.acquire());
          try {
            yield* wait(cond.waitFor(() => wake));
          } catch (e) {
            raised = e;
            throw e;
          } finally {
            cond.release();
          }
        });
        yield* tick(kind);
        if (where === 'reacquire') {
          yield* cond.acquire();
          wake = true;
          cond.notify();
          yield* tick(kind);
        }
        task.cancel('foo');
        if (where === 'reacquire') cond.release();
        let err: unknown = null;
        try {
          yield* task;
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(CancelledError);
        expect((err as Error).message).toBe('foo');
        expect(err).toBe(raised);
      });
    }
    loop.close();
  });

  it.each(KINDS)('a consumer cancelled as it is notified does not lose the wake-up (gh-112202), cancelled before or while re-acquiring (%s)', async (kind) => {
    const loop = vloop(core);
    for (const relock of [false, true]) {
      const condition = new Condition();
      let state = 0;
      const consumer = () =>
        spawnBody(loop, kind, function* (wait) {
          yield* wait(condition.acquire());
          try {
            for (;;) {
              yield* wait(condition.waitFor(() => state !== 0));
              if (state < 0) return;
              state -= 1;
            }
          } finally {
            condition.release();
          }
        });
      await runTask(loop, function* () {
        const c = [consumer(), consumer()];
        yield* tick(kind);
        yield* condition.acquire();
        state += 1;
        condition.notify(1);
        if (relock) yield* tick(kind);
        c[0]!.cancel();
        try {
          yield* timeout(0.01).run(() => condition.waitFor(() => state === 0));
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        expect(state).toBe(0);
        state = -1;
        condition.notifyAll();
        condition.release();
        yield* c[1];
        expect(c[0]!.cancelled()).toBe(true);
      });
    }
    loop.close();
  });

  it.each(KINDS)('waitFor(cond.wait(), timeout) inside the lock: TimeoutError, and the lock is held again (%s)', async (kind) => {
    const loop = vloop(core);
    const cond = new Condition();
    const out = await loop.runUntilComplete(
      spawnBody(loop, kind, function* (wait) {
      yield* wait(cond.acquire());
      try {
        yield* wait(waitFor(cond.wait(), 0.5));
      } catch (e) {
        return [(e as Error).name, cond.locked(), loop.time()];
      } finally {
        cond.release();
      }
    }),
    );
    expect(out).toEqual(['TimeoutError', true, 0.5]);
    loop.close();
  });

  it('a Condition over a given Lock: locking either locks both', async () => {
    const loop = vloop(core);
    const lock = new Lock();
    const cond = new Condition(lock);
    await runTask(loop, function* () {
      yield* cond.run(() => {
        expect([lock.locked(), cond.locked()]).toEqual([true, true]);
      });
      expect(lock.locked()).toBe(false);
      yield* lock.run(() => {
        expect(cond.locked()).toBe(true);
      });
      expect(cond.locked()).toBe(false);
    });
    loop.close();
  });
});

describe.each(CORES)('Semaphore races (%s core)', (core) => {
  it.each(KINDS)('two releases with three waiters and a newcomer: two of them get through, FIFO (%s)', async (kind) => {
    const loop = vloop(core);
    const sem = new Semaphore(3);
    const result: number[] = [];
    await runTask(loop, function* () {
      yield* sem.acquire();
      yield* sem.acquire();
      const c = (i: number) =>
        spawnBody(loop, kind, function* (wait) {
          yield* wait(sem.acquire());
          result.push(i);
          return true;
        });
      const [t1, t2, t3] = [c(1), c(2), c(3)];
      yield* tick(kind);
      expect(result).toEqual([1]);
      expect(sem.locked()).toBe(true);
      expect(sem._waiters!.length).toBe(2);
      expect(sem._value).toBe(0);
      const t4 = c(4);
      sem.release();
      sem.release();
      expect(sem._value).toBe(0);
      yield* tick(kind);
      expect(result).toEqual([1, 2, 3]);
      expect(sem._waiters!.length).toBe(1);
      expect(t1.result()).toBe(true);
      sem.release();
      yield* gather(t2, t3, t4);
      expect(result).toEqual([1, 2, 3, 4]);
    });
    loop.close();
  });

  it.each(KINDS)('waiters cancelled before they were woken: the release goes to the next, only one gets through (%s)', async (kind) => {
    const loop = vloop(core);
    const sem = new Semaphore(0);
    await runTask(loop, function* () {
      const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => spawn(loop, kind, () => sem.acquire()));
      yield* tick(kind);
      t1!.cancel();
      t2!.cancel();
      sem.release();
      yield* tick(kind);
      yield* tick(kind);
      expect([t3!.done(), t4!.done()]).toEqual([true, false]);
      t3!.cancel();
      t4!.cancel();
      yield* tick(kind);
      expect(t4!.cancelled()).toBe(true);
    });
    loop.close();
  });

  it.each(KINDS)('a waiter cancelled as a slot is released does not hang the next one or leak the slot (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const sem = new Semaphore(0);
      const [t1, t2] = [spawn(loop, kind, () => sem.acquire()), spawn(loop, kind, () => sem.acquire())];
      yield* tick(kind);
      t1.cancel();
      sem.release();
      yield* tick(kind);
      yield* tick(kind);
      expect(sem.locked()).toBe(true);
      expect(t2.done()).toBe(true);
      // a task cancelled while queued behind a holder that then releases: the slot stays usable
      const sem2 = new Semaphore(1);
      let u2!: Task<void>;
      const u1 = spawnBody(loop, kind, function* (wait) {
        yield* wait(sem2.acquire());
        yield* wait(sleep(0) as unknown as Coro<void>);
        sem2.release();
        u2.cancel();
      });
      u2 = spawnBody(loop, kind, function* (wait) {
        yield* wait(sem2.acquire());
        throw new Error('must not get the slot');
      });
      const [r1, r2] = yield* gather(u1, u2, { returnExceptions: true });
      expect(r1).toBe(undefined);
      expect(r2).toBeInstanceOf(CancelledError);
      yield* waitFor(sem2.acquire(), 1);
    });
    loop.close();
  });

  it.each(KINDS)('FIFO: a task that releases and acquires again queues behind the others (%s)', async (kind) => {
    const loop = vloop(core);
    const result: string[] = [];
    await runTask(loop, function* () {
      const sem = new Semaphore(1);
      const c = (tag: string) =>
        spawnBody(loop, kind, function* (wait) {
          for (const n of [1, 2]) {
            yield* wait(sem.acquire());
            result.push(`${tag}_${n}`);
            yield* wait(sleep(0.01) as unknown as Coro<void>);
            sem.release();
          }
        });
      yield* gather(c('c1'), c('c2'), c('c3'));
      expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
    });
    loop.close();
  });

  // generator tasks only: the case needs t1 queued in the semaphore before t2's first step runs in
  // the same iteration, and an async task's first await starts after that iteration's callbacks
  it.each(['generator'] as const)('one acquire wakes as many queued waiters as there are free slots; a task made meanwhile runs after them (%s)', async (kind) => {
    const loop = vloop(core);
    const sem = new Semaphore(0);
    const result: number[] = [];
    await runTask(loop, function* () {
      let t4: Task<void> | null = null;
      const t1 = spawnBody(loop, kind, function* (wait) {
        expect(sem._value).toBe(0);
        yield* wait(sem.acquire());
        expect(sem._value).toBe(0);
        t4 = loop.createTask(function* () {
          result.push(4);
        });
        result.push(1);
      });
      const t2 = spawnBody(loop, kind, function* (wait) {
        sem.release();
        sem.release();
        sem.release();
        expect(sem._value).toBe(2);
        expect(sem.locked()).toBe(true);
        yield* wait(sem.acquire());
        result.push(2);
      });
      const t3 = spawnBody(loop, kind, function* (wait) {
        yield* wait(sem.acquire());
        expect(sem.locked()).toBe(true);
        result.push(3);
      });
      yield* tick(kind);
      expect(sem._value).toBe(2);
      expect(sem._waiters!.length).toBe(3);
      yield* tick(kind);
      yield* gather(t1, t2, t3);
      yield* t4!;
      expect(result).toEqual([1, 2, 3, 4]);
    });
    loop.close();
  });
});

describe.each(CORES)('Barrier races (%s core)', (core) => {
  it.each(KINDS)('a party cancelled while the barrier fills leaves it; the others still meet (%s)', async (kind) => {
    const loop = vloop(core);
    const barrier = new Barrier(3);
    const results: boolean[] = [];
    await runTask(loop, function* () {
      const c = () =>
        spawnBody(loop, kind, function* (wait) {
          yield* wait(barrier.wait());
          results.push(true);
        });
      const t1 = c();
      yield* tick(kind);
      expect(barrier.nWaiting).toBe(1);
      const t2 = c();
      yield* tick(kind);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      yield* tick(kind);
      expect(barrier.nWaiting).toBe(1);
      expect(yield* failure(t1)).toBeInstanceOf(CancelledError);
      const t3 = c();
      yield* tick(kind);
      expect(barrier.nWaiting).toBe(2);
      yield* gather(t2, t3, c());
      expect(results).toEqual([true, true, true]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
    loop.close();
  });

  it.each(KINDS)('while it drains, newcomers wait for the next round (%s)', async (kind) => {
    const loop = vloop(core);
    const N = 5;
    const barrier = new Barrier(N);
    const others = new Barrier(N - 2);
    let rewait = 2;
    await runTask(loop, function* () {
      const c = () =>
        spawnBody(loop, kind, function* (wait) {
          yield* wait(barrier.wait());
          if (rewait > 0) {
            rewait--;
            yield* wait(barrier.wait());
          } else {
            yield* wait(others.wait());
            yield* wait(barrier.wait());
          }
        });
      yield* gather(...Array.from({ length: N }, c));
      expect(barrier.nWaiting).toBe(0);
    });
    loop.close();
  });

  // generator tasks only: the reset must come while exactly half the parties are still draining,
  // an interleaving inside one iteration that async tasks do not reproduce (README, point 1)
  it.each(['generator'] as const)('reset by a party that left while the others still drain: the waiting ones get BrokenBarrierError (%s)', async (kind) => {
    const loop = vloop(core);
    const N = 5;
    const barrier = new Barrier(N);
    const broken: boolean[] = [];
    const rest = Math.floor(N / 2);
    await runTask(loop, function* () {
      const c = () =>
        spawnBody(loop, kind, function* (wait) {
          try {
            yield* wait(barrier.wait());
          } catch (e) {
            if ((e as Error).name !== 'BrokenBarrierError') throw e;
            broken.push(true);
            return;
          }
          if (barrier._count === rest) yield* wait(barrier.reset());
        });
      yield* gather(...Array.from({ length: N }, c));
      expect(broken).toEqual(Array(rest).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toMatch(/resetting/);
      expect(barrier.broken).toBe(false);
    });
    loop.close();
  });
});

describe.each(CORES)('Queue races (%s core)', (core) => {
  it.each(KINDS)('a getter cancelled while waiting leaves no trace; the item goes to the other getter (%s)', async (kind) => {
    const loop = vloop(core);
    const q = new Queue<string>();
    await runTask(loop, function* () {
      const t1 = spawn(loop, kind, () => q.get());
      const t2 = spawn(loop, kind, () => q.get());
      yield* tick(kind);
      t1.cancel();
      yield* tick(kind);
      expect(t1.done()).toBe(true);
      yield* q.put('a');
      yield* tick(kind);
      expect(yield* t2).toBe('a');
      expect(q._getters.length).toBe(0);
    });
    loop.close();
  });

  it.each(KINDS)('items put while a reader is woken but cancelled are not dropped (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<number>();
      let reader = spawn(loop, kind, () => q.get());
      yield* tick(kind);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        yield* reader;
      } catch {
        reader = spawn(loop, kind, () => q.get());
        yield* reader;
      }
      expect(reader.result()).toBe(1);
      // three readers, one cancelled as two items arrive: the other two get both
      const q2 = new Queue<number>();
      const readers = [0, 1, 2].map(() => spawn(loop, kind, () => q2.get()));
      yield* tick(kind);
      q2.putNowait(1);
      q2.putNowait(2);
      readers[0]!.cancel();
      expect(yield* failure(readers[0]!)).toBeInstanceOf(CancelledError);
      const got = yield* gather(readers[1]!, readers[2]!);
      expect(got.sort()).toEqual([1, 2]);
    });
    loop.close();
  });

  it.each(KINDS)('a writer woken but cancelled: its item is not put, and putting again works (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      let writer = spawn(loop, kind, () => q.put(2));
      yield* tick(kind);
      expect(q.getNowait()).toBe(1);
      writer.cancel();
      try {
        yield* writer;
      } catch {
        writer = spawn(loop, kind, () => q.put(2));
        yield* writer;
      }
      expect(q.getNowait()).toBe(2);
      expect(q.qsize()).toBe(0);
      expect(q._putters.length).toBe(0);
    });
    loop.close();
  });

  it.each(KINDS)('putters of a full queue: a cancelled one never puts, the others put in order (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<string>(1);
      const putA = spawn(loop, kind, () => q.put('a'));
      const putB = spawn(loop, kind, () => q.put('b'));
      const putC = spawn(loop, kind, () => q.put('X'));
      yield* tick(kind);
      expect([putA.done(), putB.done()]).toEqual([true, false]);
      putC.cancel();
      yield* tick(kind);
      expect(putC.done()).toBe(true);
      expect(q.getNowait()).toBe('a');
      yield* tick(kind);
      expect(q.getNowait()).toBe('b');
      yield* putB;
      expect(q.qsize()).toBe(0);
    });
    loop.close();
  });

  it.each(KINDS)('waiting putters and getters are released in order; a cancelled putter is removed even if a get took its turn (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<string>(1);
      spawn(loop, kind, () => q.put('a'));
      spawn(loop, kind, () => q.put('b'));
      expect(yield* q.get()).toBe('a');
      expect(yield* q.get()).toBe('b');
      // full queue: the putter is queued; getNowait wakes it, then it is cancelled
      const q2 = new Queue<number>(1);
      q2.putNowait(1);
      const putTask = spawn(loop, kind, () => q2.put(1));
      yield* tick(kind);
      expect(q2._putters.length).toBe(1);
      q2.getNowait();
      putTask.cancel();
      expect(yield* failure(putTask)).toBeInstanceOf(CancelledError);
      expect(q2._putters.length).toBe(0);
      // a get that times out leaves no getter behind
      const q3 = new Queue(5);
      let err: unknown;
      try {
        yield* waitFor(q3.get(), 0.1);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TimeoutError);
      expect(q3._getters.length).toBe(0);
    });
    loop.close();
  });

  it.each(KINDS)('a bounded queue blocks the putter after maxsize items and lets it go item by item (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<number>(2);
      const havePut: number[] = [];
      const t = spawnBody(loop, kind, function* (wait) {
        for (let i = 0; i < 3; i++) {
          yield* wait(q.put(i));
          havePut.push(i);
        }
        return true;
      });
      yield* tick(kind);
      yield* tick(kind);
      expect(havePut).toEqual([0, 1]);
      expect(yield* q.get()).toBe(0);
      yield* tick(kind);
      expect(havePut).toEqual([0, 1, 2]);
      expect(yield* q.get()).toBe(1);
      expect(yield* q.get()).toBe(2);
      expect(t.result()).toBe(true);
    });
    loop.close();
  });

  it.each(KINDS)('shutdown of a full queue: the blocked putter fails, the item can still be taken, join waits for taskDone (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<string>(1);
      q.putNowait('data');
      const joinTask = spawn(loop, kind, () => q.join());
      const putTask = spawn(loop, kind, () => q.put('data2'));
      yield* tick(kind);
      expect(putTask.done()).toBe(false);
      q.shutdown();
      expect(q.qsize()).toBe(1);
      yield* tick(kind);
      expect(putTask.done()).toBe(true);
      expect(yield* failure(putTask)).toBeInstanceOf(QueueShutDown);
      expect(yield* q.get()).toBe('data');
      yield* tick(kind);
      expect(joinTask.done()).toBe(false);
      expect(yield* failure(q.put('x'))).toBeInstanceOf(QueueShutDown);
      expect(() => q.putNowait('x')).toThrow(QueueShutDown);
      expect(yield* failure(q.get())).toBeInstanceOf(QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
      q.taskDone();
      yield* tick(kind);
      expect(joinTask.done()).toBe(true);
      expect(() => q.taskDone()).toThrow(RangeError);
    });
    loop.close();
  });

  it.each(KINDS)('shutdown(immediate) with one item taken and one queued: join waits for the taken one only (%s)', async (kind) => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const q = new Queue<string>();
      q.putNowait('data');
      q.putNowait('data');
      const joinTask = spawn(loop, kind, () => q.join());
      expect(yield* q.get()).toBe('data');
      q.shutdown(true);
      expect(q.qsize()).toBe(0);
      yield* tick(kind);
      expect(joinTask.done()).toBe(false);
      q.taskDone();
      expect(() => q.taskDone()).toThrow(RangeError);
      yield* tick(kind);
      expect(joinTask.done()).toBe(true);
      expect(String(q)).toBe('<Queue maxsize=0 shutdown>');
    });
    loop.close();
  });
});
