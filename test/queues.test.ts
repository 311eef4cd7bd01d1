/**
 * Queue, PriorityQueue, LifoQueue: what CPython's test_queues.py asserts, re-expressed (including
 * 3.13's shutdown), and the W6 ping-pong (two tasks, two Queue(1)) checked for correctness with
 * generator tasks and with async-function tasks.
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  defaultCompare,
  gather,
  sleep,
  type Task,
} from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('Queue (%s core)', (core) => {
  it('sizes: qsize, empty, full, maxsize; maxsize <= 0 is unbounded', () => {
    const q = new Queue<number>(2);
    expect([q.maxsize, q.qsize(), q.empty(), q.full()]).toEqual([2, 0, true, false]);
    q.putNowait(1);
    q.putNowait(2);
    expect([q.qsize(), q.empty(), q.full()]).toEqual([2, false, true]);
    expect(() => q.putNowait(3)).toThrow(QueueFull);
    const u = new Queue(0);
    for (let i = 0; i < 1000; i++) u.putNowait(i);
    expect(u.full()).toBe(false);
    expect(() => new Queue('2' as never)).toThrow(TypeError);
  });

  it('FIFO, LIFO and priority orders', () => {
    const items = [3, 1, 4, 1, 5, 9, 2, 6];
    const drain = (q: Queue<number>) => {
      items.forEach((i) => q.putNowait(i));
      const out: number[] = [];
      while (!q.empty()) out.push(q.getNowait());
      return out;
    };
    expect(drain(new Queue())).toEqual(items);
    expect(drain(new LifoQueue())).toEqual([...items].reverse());
    expect(drain(new PriorityQueue())).toEqual([...items].sort((a, b) => a - b));
  });

  it('PriorityQueue orders [priority, item] pairs like Python tuples, or by a compare function', () => {
    const q = new PriorityQueue<[number, string]>();
    for (const x of [[2, 'b'], [1, 'z'], [2, 'a'], [0, 'q']] as [number, string][]) q.putNowait(x);
    const out: string[] = [];
    while (!q.empty()) out.push(q.getNowait()[1]);
    expect(out).toEqual(['q', 'z', 'a', 'b']);
    const byLength = new PriorityQueue<string>(0, (a, b) => a.length - b.length);
    ['ccc', 'a', 'bb'].forEach((s) => byLength.putNowait(s));
    expect([byLength.getNowait(), byLength.getNowait(), byLength.getNowait()]).toEqual(['a', 'bb', 'ccc']);
    expect(() => defaultCompare({}, {})).toThrow(TypeError);
    const bad = new PriorityQueue<unknown>();
    bad.putNowait({});
    expect(() => bad.putNowait({})).toThrow(TypeError);
  });

  it('getNowait on an empty queue is QueueEmpty', () => {
    expect(() => new Queue().getNowait()).toThrow(QueueEmpty);
  });

  it.each(['generator', 'async'] as const)('get waits for a put; put waits while full (%s tasks)', async (kind) => {
    const loop = vloop(core);
    const q = new Queue<string>(1);
    const log: string[] = [];
    const consumer =
      kind === 'generator'
        ? loop.createTask(function* () {
            for (let i = 0; i < 3; i++) {
              yield* sleep(2);
              log.push(`got ${yield* q.get()} at ${loop.time()}`);
            }
          })
        : loop.createTask(async () => {
            for (let i = 0; i < 3; i++) {
              await sleep(2);
              log.push(`got ${await q.get()} at ${loop.time()}`);
            }
          });
    const producer =
      kind === 'generator'
        ? loop.createTask(function* () {
            for (const x of ['a', 'b', 'c']) {
              yield* q.put(x);
              log.push(`put ${x} at ${loop.time()}`);
            }
          })
        : loop.createTask(async () => {
            for (const x of ['a', 'b', 'c']) {
              await q.put(x);
              log.push(`put ${x} at ${loop.time()}`);
            }
          });
    await loop.runUntilComplete(gather(consumer, producer));
    expect(log).toEqual(['put a at 0', 'got a at 2', 'put b at 2', 'got b at 4', 'put c at 4', 'got c at 6']);
    expect(String(q)).toBe('<Queue maxsize=1 tasks=3>'); // three items never marked done
    loop.close();
  });

  it('a cancelled getter leaves the queue; the item goes to the next getter', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    const a = loop.createTask(function* () {
      return yield* q.get();
    });
    const b = loop.createTask(async () => q.get());
    await iterations(loop, 2);
    expect(String(q)).toBe('<Queue maxsize=0 _getters[2]>');
    a.cancel();
    await iterations(loop, 1);
    expect(q._getters).toHaveLength(1);
    q.putNowait(5);
    expect(await loop.runUntilComplete(b)).toBe(5);
    expect(a.cancelled()).toBe(true);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('a getter woken by a put but cancelled before it ran leaves the item for the next one (%s)', async (kind) => {
    const loop = vloop(core);
    const q = new Queue<number>();
    const getter = (): Task<number> => (kind === 'generator' ? loop.createTask(() => q.get()) : loop.createTask(async () => q.get()));
    const a = getter();
    const b = getter();
    await iterations(loop, 2);
    loop.callSoon(() => {
      q.putNowait(1); // wakes a ...
      a.cancel(); // ... which is cancelled before it takes the item
    });
    expect(await loop.runUntilComplete(b)).toBe(1);
    expect(a.cancelled()).toBe(true);
    expect(q.empty()).toBe(true);
    loop.close();
  });

  it('a putter woken by a get but cancelled before it ran leaves the slot for the next one', async () => {
    const loop = vloop(core);
    const q = new Queue<string>(1);
    q.putNowait('full');
    const a = loop.createTask(() => q.put('a'));
    const b = loop.createTask(async () => q.put('b'));
    await iterations(loop, 2);
    loop.callSoon(() => {
      expect(q.getNowait()).toBe('full');
      a.cancel();
    });
    await loop.runUntilComplete(b);
    expect(a.cancelled()).toBe(true);
    expect(q.getNowait()).toBe('b');
    loop.close();
  });

  it('join waits until every item was marked done; taskDone too often is a RangeError', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    expect(await runTask(loop, () => q.join())).toBeUndefined(); // nothing put: returns at once
    let processed = 0;
    const workers = [0, 1].map(() =>
      loop.createTask(async () => {
        for (;;) {
          const n = await q.get();
          await sleep(n);
          processed++;
          q.taskDone();
        }
      }),
    );
    for (const n of [1, 2, 3, 4]) q.putNowait(n);
    await runTask(loop, function* () {
      yield* q.join();
    });
    expect(processed).toBe(4);
    expect(loop.time()).toBe(6);
    workers.forEach((w) => w.cancel());
    await loop.runUntilComplete(gather(...workers, { returnExceptions: true }));
    expect(() => q.taskDone()).toThrow(new RangeError('taskDone() called too many times'));
    loop.close();
  });

  it('shutdown: put fails at once, get drains what is left and then fails, blocked getters and putters fail', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(1);
    q.putNowait(1);
    const putter = loop.createTask(() => q.put(2));
    const empty = new Queue<number>();
    const getter = loop.createTask(async () => empty.get());
    await iterations(loop, 2);
    q.shutdown();
    empty.shutdown();
    await expect(loop.runUntilComplete(putter)).rejects.toBeInstanceOf(QueueShutDown);
    await expect(loop.runUntilComplete(getter)).rejects.toBeInstanceOf(QueueShutDown);
    expect(() => q.putNowait(3)).toThrow(QueueShutDown);
    expect(await runTask(loop, () => q.get())).toBe(1);
    await expect(runTask(loop, () => q.get())).rejects.toBeInstanceOf(QueueShutDown);
    expect(() => q.getNowait()).toThrow(QueueShutDown);
    expect(String(q)).toMatch(/shutdown/);
    loop.close();
  });

  it('shutdown(immediate): items are dropped, join returns, getters fail at once', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    const joiner = loop.createTask(() => q.join());
    await iterations(loop, 1);
    q.shutdown(true);
    await loop.runUntilComplete(joiner);
    expect(q.empty()).toBe(true);
    await expect(runTask(loop, () => q.get())).rejects.toBeInstanceOf(QueueShutDown);
    loop.close();
  });

  it('a cancelled get while waiting raises CancelledError in the getter', async () => {
    const loop = vloop(core);
    const q = new Queue();
    const t = loop.createTask(async () => {
      try {
        await q.get();
      } catch (e) {
        return e instanceof CancelledError ? 'cancelled' : 'other';
      }
    });
    loop.callLater(1, () => t.cancel());
    expect(await loop.runUntilComplete(t)).toBe('cancelled');
    loop.close();
  });
});

describe.each(CORES)('W6 ping-pong through two Queue(1) (%s core)', (core) => {
  const N = 2000;

  it('generator tasks: every value comes back incremented, in order', async () => {
    const loop = vloop(core);
    const ping = new Queue<number>(1);
    const pong = new Queue<number>(1);
    const seen: number[] = [];
    const a = loop.createTask(function* () {
      for (let i = 0; i < N; i++) {
        yield* ping.put(i);
        seen.push(yield* pong.get());
      }
    });
    const b = loop.createTask(function* () {
      for (let i = 0; i < N; i++) yield* pong.put((yield* ping.get()) + 1);
    });
    await loop.runUntilComplete(gather(a, b));
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(loop.time()).toBe(0);
    loop.close();
  });

  it('async-function tasks: every value comes back incremented, in order', async () => {
    const loop = vloop(core);
    const ping = new Queue<number>(1);
    const pong = new Queue<number>(1);
    const seen: number[] = [];
    const a = loop.createTask(async () => {
      for (let i = 0; i < N; i++) {
        await ping.put(i);
        seen.push(await pong.get());
      }
    });
    const b = loop.createTask(async () => {
      for (let i = 0; i < N; i++) await pong.put((await ping.get()) + 1);
    });
    await loop.runUntilComplete(gather(a, b));
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    loop.close();
  });

  it('a generator task and an async task play together', async () => {
    const loop = vloop(core);
    const ping = new Queue<number>(1);
    const pong = new Queue<number>(1);
    let last = -1;
    const a = loop.createTask(function* () {
      for (let i = 0; i < N; i++) {
        yield* ping.put(i);
        last = yield* pong.get();
      }
    });
    const b = loop.createTask(async () => {
      for (let i = 0; i < N; i++) await pong.put((await ping.get()) * 2);
    });
    await loop.runUntilComplete(gather(a, b));
    expect(last).toBe((N - 1) * 2);
    loop.close();
  });

  it('tasks blocked on each other are cancelled cleanly', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(1);
    const tasks = [
      loop.createTask(function* () {
        for (;;) yield* q.put(1);
      }),
      loop.createTask(async () => {
        for (;;) {
          await q.get();
          await sleep(1);
        }
      }),
    ];
    loop.callLater(10.5, () => tasks.forEach((t) => t.cancel()));
    const out = await loop.runUntilComplete(gather(...tasks, { returnExceptions: true }));
    expect(out.map((e) => e instanceof CancelledError)).toEqual([true, true]);
    expect(loop.time()).toBe(10.5);
    loop.close();
  });
});

describe.each(CORES)('put() and get() coroutines keep a generator protocol (%s core)', (core) => {
  it('driven by hand: next, throw and return behave as a generator, and cancelling a waiting get drops its waiter', async () => {
    const loop = vloop(core);
    const seen = await runTask(loop, function* () {
      const q = new Queue<number>(1);
      const out: unknown[] = [];
      const g = q.get();
      out.push(Object.prototype.toString.call(g), typeof (g as { then?: unknown }).then);
      const r1 = g.next();
      // empty: it waits on a pending future
      out.push(r1.done, String(r1.value).startsWith('<Future pending'));
      // returned while it waits: closed, nothing taken (its waiter, left in line as the generator's, takes the next wake-up)
      out.push(g.return(undefined as never).done, g.next().done, q.qsize());
      q.putNowait(7);
      out.push(yield* q.get());
      // thrown into before it starts: the error comes back, the coroutine is closed
      const p = q.put(8);
      expect(() => p.throw(new RangeError('in'))).toThrow(RangeError);
      out.push(p.next().done, q.qsize());
      // thrown into while it waits: its waiter is cancelled and dropped, the error comes back
      const g2 = q.get();
      g2.next();
      expect(q._getters.length).toBe(1);
      expect(() => g2.throw(new CancelledError('x'))).toThrow(CancelledError);
      expect(q._getters.length).toBe(0);
      // a put that need not wait finishes at the first next()
      const p2 = q.put(9);
      out.push(p2.next().done, q.qsize(), q._getters.length);
      return out;
    });
    expect(seen).toEqual(['[object Generator]', 'function', false, true, true, true, 0, 7, true, 0, true, 1, 0]);
    loop.close();
  });
});
