/**
 * Fault injection: the core refuses its k-th allocation (`core.failAfter(k)`, test-only), for every
 * k a program makes (counted by a first run), on both cores. After each refusal the loop's state
 * must be consistent: no ghost task in allTasks(), no done future whose callbacks were dropped,
 * every awaiter woken or the refusal surfaced as an error, the runner returns (a guard timer on
 * the virtual clock tells a hang), and the loop stays usable.
 * @needs shared
 */
import { describe, expect, it } from 'vitest';
import { Barrier, Condition, Event, Lock, Queue, Semaphore, TaskGroup, TimeoutError, asCompleted, connect, eagerTaskFactory, gather, shield, sleep, timeout, wait, waitFor } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';
import { INJECTED, type Program, sweep } from './fault-helpers.js';

const inline = { submit: (fn: unknown, args: unknown[]) => Promise.resolve().then(() => (fn as (...a: unknown[]) => unknown)(...args)) };

const PROGRAMS: Record<string, [Program, unknown]> = {
  timers: [
    (loop, made) => {
      const f = loop.createFuture<number>();
      const g = loop.createFuture<number>();
      made.push(f, g);
      loop.callLater(0.2, () => f.setResult(1));
      loop.callLater(5, () => f.setResult(99)).cancel();
      loop.callSoon(() => g.setResult(2));
      loop.callAt(0.1, () => undefined);
      return gather(f, g);
    },
    [1, 2],
  ],
  'generator tasks': [
    function* (loop) {
      const child = function* (i: number) {
        yield* sleep(0.01 * i);
        yield;
        return i;
      };
      const ts = [1, 2, 3].map((i) => loop.createTask(child(i)));
      let sum = 0;
      for (const t of ts) sum += (yield* t) as number;
      return sum;
    },
    6,
  ],
  'async tasks': [
    async (loop) => {
      const child = async (i: number) => {
        await sleep(0.01 * i);
        await sleep(0);
        return i;
      };
      const ts = [1, 2, 3].map((i) => loop.createTask(() => child(i)));
      let sum = 0;
      for (const t of ts) sum += (await t) as number;
      return sum;
    },
    6,
  ],
  gather: [
    async (loop) => {
      const f = loop.createFuture<number>();
      loop.callLater(0.05, () => f.setResult(3));
      const g = function* () {
        yield* sleep(0.02);
        return 2;
      };
      const r = await gather(sleep(0.01, 1), g(), f, async () => (await sleep(0.03), 4));
      const [done] = await wait([sleep(0.01, 5), loop.createTask(g())]);
      return [...r, done.size];
    },
    [1, 2, 3, 4, 2],
  ],
  TaskGroup: [
    async () => {
      const out: number[] = [];
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => void out.push(await sleep(0.02, 2)));
        tg.createTask(function* () {
          out.push(yield* sleep(0.01, 1));
        });
      });
      return out;
    },
    [1, 2],
  ],
  'waitFor and timeout': [
    async () => {
      const out: string[] = [];
      try {
        await waitFor(sleep(10), 0.1);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        out.push('waitFor timed out');
      }
      out.push(String(await waitFor(sleep(0.01, 'in time'), 1)));
      try {
        await timeout(0.1).run(() => sleep(10));
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        out.push('timeout timed out');
      }
      return out;
    },
    ['waitFor timed out', 'in time', 'timeout timed out'],
  ],
  queues: [
    async (loop) => {
      const q = new Queue<number>(1);
      const got: number[] = [];
      const consumer = loop.createTask(async () => {
        for (;;) {
          got.push(await q.get());
          q.taskDone();
        }
      });
      for (let i = 0; i < 4; i++) await q.put(i);
      await q.join();
      consumer.cancel();
      return got;
    },
    [0, 1, 2, 3],
  ],
  'locks, events and conditions': [
    async (loop) => {
      const lock = new Lock();
      const ev = new Event();
      const cond = new Condition();
      const order: string[] = [];
      let ready = false;
      const worker = async (name: string) => {
        await lock.acquire();
        try {
          await sleep(0.01);
          order.push(name);
        } finally {
          lock.release();
        }
        await ev.wait();
        await cond.acquire();
        try {
          while (!ready) await cond.wait();
          order.push(`${name}!`);
        } finally {
          cond.release();
        }
      };
      const ts = ['a', 'b'].map((n) => loop.createTask(() => worker(n)));
      await sleep(0.1);
      ev.set();
      await sleep(0.01);
      await cond.acquire();
      ready = true;
      cond.notifyAll();
      cond.release();
      await gather(...ts);
      return order;
    },
    ['a', 'b', 'a!', 'b!'],
  ],
  executor: [
    async (loop) => {
      const a = await loop.runInExecutor(inline, (x: number) => x * 2, 21);
      const b = await gather(loop.runInExecutor(inline, () => 'x'), loop.runInExecutor(inline, async () => 'y'));
      return [a, ...b];
    },
    [42, 'x', 'y'],
  ],
  'shield, Semaphore, Barrier and asCompleted': [
    async (loop) => {
      const sem = new Semaphore(1);
      const barrier = new Barrier(2);
      const out: unknown[] = [];
      const party = async (name: string) => {
        await sem.acquire();
        try {
          await sleep(0.01);
          out.push(name);
        } finally {
          sem.release();
        }
        return barrier.wait();
      };
      const arrivals = await gather(shield(loop.createTask(() => party('a'))), party('b'));
      out.push(arrivals.sort().join(','));
      for (const f of asCompleted([sleep(0.02, 'slow'), sleep(0.01, 'fast')])) out.push(await f);
      return out;
    },
    ['b', 'a', '0,1', 'fast', 'slow'],
  ],
  'eager tasks': [
    async (loop) => {
      loop.setTaskFactory(eagerTaskFactory);
      const child = async (i: number) => {
        if (i > 1) await sleep(0.01 * i);
        return i;
      };
      const ts = [1, 2, 3].map((i) => loop.createTask(() => child(i)));
      return gather(...ts);
    },
    [1, 2, 3],
  ],
  'cross-thread submissions': [
    async (loop, made) => {
      const f = loop.createFuture<number[]>();
      made.push(f);
      const seen: number[] = [];
      loop.expose('note', (x: number) => {
        seen.push(x);
        if (seen.length === 3 && !f.done()) f.setResult(seen);
      });
      const r = connect(loop.port());
      for (const x of [1, 2, 3]) r.callSoonThreadsafe('note', x);
      return await f;
    },
    [1, 2, 3],
  ],
};

describe.each(CORES)('fault injection: the core refuses its k-th allocation (%s core)', (core) => {
  it.each(Object.keys(PROGRAMS))('%s: for every k the state stays consistent and the loop usable', async (name) => {
    const [program, expected] = PROGRAMS[name]!;
    const outcomes = await sweep(core, program, expected);
    // every k was refused somewhere: the program either finished anyway (the refused work waited
    // for a slot) or surfaced the refusal where the program scheduled something itself
    for (const o of outcomes) expect(['ok', 'refused', 'create refused'], `k=${o.k}`).toContain(o.how);
  });

  it('found by the sweep: a virtual clock does not jump past submissions committed through a port of its own thread', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    loop.expose('note', (x: string) => void seen.push(`${x}@${loop.time()}`));
    loop.callLater(100, () => loop.stop());
    const r = connect(loop.port());
    loop.callSoon(() => {
      r.callSoonThreadsafe('note', 'a');
      r.callSoonThreadsafe('note', 'b');
    });
    await loop.runForever();
    expect(seen).toEqual(['a@0', 'b@0']);
    loop.close();
  });

  it('failAfter refuses exactly the k-th allocation, once, with nothing scheduled, on both cores alike', () => {
    const loop = vloop(core);
    const ran: number[] = [];
    expect(loop._core.failAfter(3)).toBe(0);
    loop.callSoon(() => ran.push(1));
    loop.callLater(1, () => ran.push(2));
    expect(() => loop.callSoon(() => ran.push(3))).toThrow(new RangeError(INJECTED));
    loop.callSoon(() => ran.push(4));
    expect(loop._core.readyCount()).toBe(2);
    expect(loop._core.failAfter(0)).toBe(0);
    expect(loop._core.failAfter(5)).toBe(0);
    expect(loop._core.failAfter(0)).toBe(5);
    expect(() => loop._core.failAfter(-1)).toThrow(RangeError);
    loop.close();
  });
});
