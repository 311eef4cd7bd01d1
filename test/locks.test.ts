/**
 * Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier: what CPython's test_locks.py
 * asserts, re-expressed, from generator tasks (`yield*`) and async-function tasks (`await`).
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CancelledError,
  Condition,
  Event,
  Lock,
  RuntimeError,
  Semaphore,
  createTask,
  gather,
  sleep,
  type Task,
} from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('Lock (%s core)', (core) => {
  it('acquire takes a free lock at once; release frees it; releasing a free lock is a RuntimeError', async () => {
    const loop = vloop(core);
    const lock = new Lock();
    expect(String(lock)).toBe('<Lock [unlocked]>');
    const out = await runTask(loop, function* () {
      const r = yield* lock.acquire();
      const locked = lock.locked();
      lock.release();
      return [r, locked, lock.locked()];
    });
    expect(out).toEqual([true, true, false]);
    expect(() => lock.release()).toThrow(new RuntimeError('Lock is not acquired.'));
    loop.close();
  });

  it.each(['generator', 'async'] as const)('waiters take the lock in FIFO order (%s tasks)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    const order: number[] = [];
    const worker =
      kind === 'generator'
        ? (i: number) =>
            function* () {
              yield* lock.acquire();
              order.push(i);
              yield* sleep(1);
              lock.release();
            }
        : (i: number) => async () => {
            await lock.acquire();
            order.push(i);
            await sleep(1);
            lock.release();
          };
    const tasks = [0, 1, 2, 3].map((i) => loop.createTask(worker(i) as () => Generator));
    await iterations(loop, 3);
    expect(String(lock)).toBe('<Lock [locked, waiters:3]>');
    await loop.runUntilComplete(gather(...tasks));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(loop.time()).toBe(4);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('a cancelled waiter leaves the queue and the lock is not lost (%s tasks)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    const got: string[] = [];
    const take = (name: string) =>
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* lock.acquire();
            got.push(name);
          })
        : loop.createTask(async () => {
            await lock.acquire();
            got.push(name);
          });
    await runTask(loop, function* () {
      yield* lock.acquire();
    });
    const b = take('b');
    const c = take('c');
    await iterations(loop, 3);
    b.cancel();
    await iterations(loop, 3);
    expect(b.cancelled()).toBe(true);
    expect(lock._waiters).toHaveLength(1);
    lock.release();
    await loop.runUntilComplete(c);
    expect(got).toEqual(['c']);
    expect(lock.locked()).toBe(true);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('a waiter woken and then cancelled before it ran passes the lock on (%s tasks)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    const got: string[] = [];
    const take = (name: string): Task<unknown> =>
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* lock.acquire();
            got.push(name);
          })
        : loop.createTask(async () => {
            await lock.acquire();
            got.push(name);
          });
    await runTask(loop, function* () {
      yield* lock.acquire();
    });
    const b = take('b');
    const c = take('c');
    await iterations(loop, 3);
    loop.callSoon(() => {
      lock.release(); // wakes b ...
      b.cancel(); // ... which is cancelled before it can take the lock
    });
    await loop.runUntilComplete(c);
    expect(b.cancelled()).toBe(true);
    expect(got).toEqual(['c']);
    expect(lock.locked()).toBe(true);
    loop.close();
  });

  it('a newcomer does not overtake waiters that were woken', async () => {
    const loop = vloop(core);
    const lock = new Lock();
    const order: string[] = [];
    await runTask(loop, function* () {
      yield* lock.acquire();
      const waiter = createTask(function* () {
        yield* lock.acquire();
        order.push('waiter');
        lock.release();
      });
      yield;
      lock.release();
      // the waiter is woken but has not run: the lock looks free, yet a newcomer must queue
      expect(lock.locked()).toBe(false);
      const newcomer = createTask(function* () {
        yield* lock.acquire();
        order.push('newcomer');
        lock.release();
      });
      yield* gather(waiter, newcomer);
    });
    expect(order).toEqual(['waiter', 'newcomer']);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('run(body) is `async with lock`: held during the body, released after, even on error (%s)', async (kind) => {
    const loop = vloop(core);
    const lock = new Lock();
    const out = await runTask(
      loop,
      kind === 'generator'
        ? function* () {
            const inside = yield* lock.run(function* () {
              yield* sleep(1);
              return lock.locked();
            });
            let err: unknown;
            try {
              yield* lock.run(() => {
                throw new Error('body failed');
              });
            } catch (e) {
              err = e;
            }
            return [inside, lock.locked(), (err as Error).message];
          }
        : async () => {
            const inside = await lock.run(async () => {
              await sleep(1);
              return lock.locked();
            });
            let err: unknown;
            try {
              await lock.run(async () => {
                throw new Error('body failed');
              });
            } catch (e) {
              err = e;
            }
            return [inside, lock.locked(), (err as Error).message];
          },
    );
    expect(out).toEqual([true, false, 'body failed']);
    expect(() => lock.run(42 as never)).toThrow(TypeError);
    loop.close();
  });

  it('a lock used by two loops is a RuntimeError on the second', async () => {
    const lock = new Lock();
    const a = vloop(core);
    const b = vloop(core);
    await runTask(a, function* () {
      yield* lock.acquire();
      const t = createTask(function* () {
        yield* lock.acquire();
      });
      yield;
      t.cancel();
    });
    const t = b.createTask(function* () {
      yield* lock.acquire();
    });
    await expect(b.runUntilComplete(t)).rejects.toThrow(/is bound to a different event loop/);
    a.close();
    b.close();
  });
});

describe.each(CORES)('Event (%s core)', (core) => {
  it('wait blocks until set, then every waiter gets true; a set event returns at once', async () => {
    const loop = vloop(core);
    const ev = new Event();
    expect(String(ev)).toBe('<Event [unset]>');
    const log: unknown[] = [];
    const waiters = [
      loop.createTask(function* () {
        log.push(['gen', yield* ev.wait(), loop.time()]);
      }),
      loop.createTask(async () => {
        log.push(['async', await ev.wait(), loop.time()]);
      }),
    ];
    await iterations(loop, 2);
    expect(String(ev)).toBe('<Event [unset, waiters:2]>');
    loop.callLater(3, () => ev.set());
    await loop.runUntilComplete(gather(...waiters));
    expect(log).toEqual([
      ['gen', true, 3],
      ['async', true, 3],
    ]);
    expect(ev.isSet()).toBe(true);
    expect(await runTask(loop, () => ev.wait())).toBe(true);
    loop.close();
  });

  it('clear() after set() does not un-wake waiters that were already woken', async () => {
    const loop = vloop(core);
    const ev = new Event();
    const t = loop.createTask(function* () {
      return yield* ev.wait();
    });
    await iterations(loop, 1);
    ev.set();
    ev.clear();
    expect(ev.isSet()).toBe(false);
    expect(await loop.runUntilComplete(t)).toBe(true);
    loop.close();
  });

  it('a cancelled waiter is removed', async () => {
    const loop = vloop(core);
    const ev = new Event();
    const t = loop.createTask(async () => ev.wait());
    await iterations(loop, 2);
    expect(ev._waiters).toHaveLength(1);
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(ev._waiters).toHaveLength(0);
    loop.close();
  });
});

describe.each(CORES)('Condition (%s core)', (core) => {
  it('wait releases the lock, and notify(n) wakes n waiters in order, each holding the lock again', async () => {
    const loop = vloop(core);
    const cond = new Condition();
    const woken: string[] = [];
    const waiter = (name: string) =>
      loop.createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
          woken.push(`${name} locked=${cond.locked()}`);
        } finally {
          cond.release();
        }
      });
    const tasks = ['a', 'b', 'c'].map(waiter);
    await iterations(loop, 3);
    expect(cond.locked()).toBe(false);
    await runTask(loop, function* () {
      yield* cond.acquire();
      cond.notify(2);
      cond.release();
    });
    await iterations(loop, 4);
    expect(woken).toEqual(['a locked=true', 'b locked=true']);
    await runTask(loop, async () => {
      await cond.run(() => cond.notifyAll());
    });
    await loop.runUntilComplete(gather(...tasks));
    expect(woken).toEqual(['a locked=true', 'b locked=true', 'c locked=true']);
    loop.close();
  });

  it('wait and notify need the lock held', async () => {
    const loop = vloop(core);
    const cond = new Condition();
    expect(() => cond.notify()).toThrow(new RuntimeError('cannot notify on un-acquired lock'));
    await expect(runTask(loop, () => cond.wait())).rejects.toThrow(new RuntimeError('cannot wait on un-acquired lock'));
    expect(() => new Condition({} as never)).toThrow(TypeError);
    loop.close();
  });

  it('waitFor waits until the predicate holds and returns its value', async () => {
    const loop = vloop(core);
    const cond = new Condition();
    let value = 0;
    const t = loop.createTask(async () => cond.run(() => cond.waitFor(() => value >= 3 && `value ${value}`)));
    for (let i = 1; i <= 3; i++)
      loop.callLater(i, () =>
        loop.createTask(function* () {
          yield* cond.acquire();
          value = i;
          cond.notifyAll();
          cond.release();
        }),
      );
    expect(await loop.runUntilComplete(t)).toBe('value 3');
    loop.close();
  });

  it.each(['generator', 'async'] as const)('a waiter cancelled while waiting holds the lock again when CancelledError reaches it (%s)', async (kind) => {
    const loop = vloop(core);
    const cond = new Condition();
    let lockedAtCancel: boolean | null = null;
    const t =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* cond.acquire();
            try {
              yield* cond.wait();
            } catch (e) {
              lockedAtCancel = cond.locked();
              cond.release();
              throw e;
            }
          })
        : loop.createTask(async () => {
            await cond.acquire();
            try {
              await cond.wait();
            } catch (e) {
              lockedAtCancel = cond.locked();
              cond.release();
              throw e;
            }
          });
    // someone else holds the lock when the cancellation arrives: the waiter waits for it first
    const holder = loop.createTask(function* () {
      yield* sleep(1);
      yield* cond.acquire();
      t.cancel();
      yield* sleep(5);
      cond.release();
    });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(lockedAtCancel).toBe(true);
    expect(loop.time()).toBe(6);
    await loop.runUntilComplete(holder);
    loop.close();
  });

  it('a waiter cancelled after it was notified passes the notification to another waiter', async () => {
    const loop = vloop(core);
    const cond = new Condition();
    const woken: string[] = [];
    const waiter = (name: string) =>
      loop.createTask(function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
          woken.push(name);
        } finally {
          cond.release();
        }
      });
    const a = waiter('a');
    const b = waiter('b');
    await iterations(loop, 3);
    await runTask(loop, function* () {
      yield* cond.acquire();
      cond.notify(1); // a is chosen ...
      a.cancel(); // ... and cancelled before it runs
      cond.release();
    });
    await loop.runUntilComplete(b);
    expect(a.cancelled()).toBe(true);
    expect(woken).toEqual(['b']);
    loop.close();
  });
});

describe.each(CORES)('Semaphore and BoundedSemaphore (%s core)', (core) => {
  it('acquire counts down and waits at zero; release counts up and wakes in FIFO order', async () => {
    const loop = vloop(core);
    const sem = new Semaphore(2);
    expect(String(sem)).toBe('<Semaphore [unlocked, value:2]>');
    const order: string[] = [];
    const worker = (name: string) =>
      loop.createTask(async () => {
        await sem.acquire();
        order.push(`${name}@${loop.time()}`);
        await sleep(1);
        sem.release();
      });
    const tasks = ['a', 'b', 'c', 'd', 'e'].map(worker);
    await iterations(loop, 2);
    expect(sem.locked()).toBe(true);
    expect(String(sem)).toBe('<Semaphore [locked, waiters:3]>');
    await loop.runUntilComplete(gather(...tasks));
    expect(order).toEqual(['a@0', 'b@0', 'c@1', 'd@1', 'e@2']);
    expect(sem._value).toBe(2);
    loop.close();
  });

  it('a negative value is a RangeError; Semaphore(0) starts locked', () => {
    expect(() => new Semaphore(-1)).toThrow(new RangeError('Semaphore initial value must be >= 0'));
    expect(() => new Semaphore('1' as never)).toThrow(TypeError);
    expect(new Semaphore(0).locked()).toBe(true);
  });

  it('a woken waiter that is cancelled gives its slot back to the next waiter', async () => {
    const loop = vloop(core);
    const sem = new Semaphore(0);
    const got: string[] = [];
    const waiter = (name: string) =>
      loop.createTask(function* () {
        yield* sem.acquire();
        got.push(name);
      });
    const a = waiter('a');
    const b = waiter('b');
    await iterations(loop, 2);
    loop.callSoon(() => {
      sem.release();
      a.cancel();
    });
    await loop.runUntilComplete(b);
    expect(a.cancelled()).toBe(true);
    expect(got).toEqual(['b']);
    expect(sem._value).toBe(0);
    loop.close();
  });

  it('FIFO: a newcomer waits behind queued waiters even when a slot is free', async () => {
    const loop = vloop(core);
    const sem = new Semaphore(1);
    const order: string[] = [];
    await runTask(loop, function* () {
      yield* sem.acquire();
      const w = createTask(function* () {
        yield* sem.acquire();
        order.push('waiter');
      });
      yield;
      sem.release();
      const n = createTask(function* () {
        yield* sem.acquire();
        order.push('newcomer');
      });
      yield* sleep(0);
      sem.release();
      yield* gather(w, n);
    });
    expect(order).toEqual(['waiter', 'newcomer']);
    loop.close();
  });

  it('run(body) holds one slot during the body', async () => {
    const loop = vloop(core);
    const sem = new Semaphore(1);
    const out = await runTask(loop, async () => sem.run(() => sem.locked()));
    expect(out).toBe(true);
    expect(sem.locked()).toBe(false);
    loop.close();
  });

  it('BoundedSemaphore refuses to be released above its initial value', async () => {
    const loop = vloop(core);
    const sem = new BoundedSemaphore(1);
    expect(() => sem.release()).toThrow(new RangeError('BoundedSemaphore released too many times'));
    await runTask(loop, function* () {
      yield* sem.acquire();
    });
    sem.release();
    expect(() => sem.release()).toThrow(RangeError);
    expect(String(sem)).toBe('<BoundedSemaphore [unlocked, value:1]>');
    loop.close();
  });
});

describe.each(CORES)('Barrier (%s core)', (core) => {
  it('releases all parties together; each gets its arrival index', async () => {
    const loop = vloop(core);
    const b = new Barrier(3);
    expect(String(b)).toBe('<Barrier [filling, waiters:0/3]>');
    const log: string[] = [];
    const party = (name: string, delay: number) =>
      loop.createTask(async () => {
        await sleep(delay);
        const i = await b.wait();
        log.push(`${name} index=${i} at ${loop.time()}`);
        return i;
      });
    const tasks = [party('x', 1), party('y', 2), party('z', 3)];
    loop.callLater(2.5, () => log.push(`waiting ${b.nWaiting}`));
    const idx = await loop.runUntilComplete(gather(...tasks));
    expect(idx).toEqual([0, 1, 2]);
    expect(log).toEqual(['waiting 2', 'z index=2 at 3', 'x index=0 at 3', 'y index=1 at 3']);
    expect(b.nWaiting).toBe(0);
    expect(b.broken).toBe(false);
    expect(b.parties).toBe(3);
    loop.close();
  });

  it('is reusable: the next round starts when every party has left', async () => {
    const loop = vloop(core);
    const b = new Barrier(2);
    const rounds: number[][] = [];
    const party = () =>
      loop.createTask(function* () {
        const mine: number[] = [];
        for (let r = 0; r < 3; r++) mine.push(yield* b.wait());
        rounds.push(mine);
      });
    await loop.runUntilComplete(gather(party(), party()));
    expect(rounds.flat().sort()).toEqual([0, 0, 0, 1, 1, 1]);
    loop.close();
  });

  it('abort breaks it: waiting and later parties get BrokenBarrierError', async () => {
    const loop = vloop(core);
    const b = new Barrier(3);
    const waiting = loop.createTask(function* () {
      yield* b.wait();
    });
    await iterations(loop, 3);
    await runTask(loop, () => b.abort());
    await expect(loop.runUntilComplete(waiting)).rejects.toThrow(new BrokenBarrierError('Abort or reset of barrier'));
    expect(b.broken).toBe(true);
    await expect(runTask(loop, () => b.wait())).rejects.toThrow(new BrokenBarrierError('Barrier aborted'));
    loop.close();
  });

  it('reset wakes the waiting parties with BrokenBarrierError and makes it usable again', async () => {
    const loop = vloop(core);
    const b = new Barrier(2);
    const waiting = loop.createTask(async () => b.wait());
    await iterations(loop, 3);
    await runTask(loop, () => b.reset());
    await expect(loop.runUntilComplete(waiting)).rejects.toBeInstanceOf(BrokenBarrierError);
    expect(b.broken).toBe(false);
    const again = await loop.runUntilComplete(gather(loop.createTask(() => b.wait()), loop.createTask(() => b.wait())));
    expect(again.sort()).toEqual([0, 1]);
    loop.close();
  });

  it('parties must be at least 1; run(body) is `async with barrier`', async () => {
    expect(() => new Barrier(0)).toThrow(new RangeError('parties must be > 0'));
    const loop = vloop(core);
    const b = new Barrier(1);
    expect(await runTask(loop, () => b.run((i) => `index ${i}`))).toBe('index 0');
    loop.close();
  });
});
