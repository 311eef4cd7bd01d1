/**
 * Fault injection under the blocking runner (runUntilCompleteSync; test/fault-helpers.ts's sweep):
 * generator programs, the core's k-th allocation refused for every k, on both cores.
 * @needs blocking — runUntilCompleteSync sleeps in Atomics.wait
 */
import { describe, expect, it } from 'vitest';
import { Event, Lock, Queue, TaskGroup, TimeoutError, gather, sleep, waitFor } from '../bindings/index.js';
import { CORES } from './helpers.js';
import { type Program, sweep } from './fault-helpers.js';

const PROGRAMS: Record<string, [Program, unknown]> = {
  'timers and generator tasks': [
    function* (loop) {
      const f = loop.createFuture<number>();
      loop.callLater(0.2, () => f.setResult(1));
      const child = function* (i: number) {
        yield* sleep(0.01 * i);
        yield;
        return i;
      };
      const ts = [2, 3].map((i) => loop.createTask(child(i)));
      const r = (yield* gather(f, ...ts)) as number[];
      return r;
    },
    [1, 2, 3],
  ],
  'TaskGroup and waitFor': [
    function* () {
      const out: unknown[] = [];
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask(function* () {
          out.push(yield* sleep(0.02, 'b'));
        });
        tg.createTask(function* () {
          out.push(yield* sleep(0.01, 'a'));
        });
      });
      try {
        yield* waitFor(sleep(10), 0.1);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        out.push('timed out');
      }
      return out;
    },
    ['a', 'b', 'timed out'],
  ],
  'queues, locks and events': [
    // every task is awaited (gather), so a refusal that kills one surfaces in main, as in asyncio
    function* (loop) {
      const q = new Queue<number>(1);
      const lock = new Lock();
      const ev = new Event();
      const got: string[] = [];
      const consumer = loop.createTask(function* () {
        for (let n = 0; n < 3; n++) {
          const x = yield* q.get();
          yield* lock.acquire();
          try {
            yield* sleep(0.01);
            got.push(`got ${x}`);
          } finally {
            lock.release();
          }
          q.taskDone();
        }
      });
      const producer = loop.createTask(function* () {
        for (let i = 0; i < 3; i++) yield* q.put(i);
        yield* q.join();
      });
      const setter = loop.createTask(function* () {
        yield* sleep(0.05);
        ev.set();
      });
      yield* gather(consumer, producer, setter, ev.wait());
      return got;
    },
    ['got 0', 'got 1', 'got 2'],
  ],
};

describe.each(CORES)('fault injection under the blocking runner (%s core)', (core) => {
  it.each(Object.keys(PROGRAMS))('%s: for every k the state stays consistent and the loop usable', async (name) => {
    const [program, expected] = PROGRAMS[name]!;
    const outcomes = await sweep(core, program, expected, { runner: 'sync' });
    for (const o of outcomes) expect(['ok', 'refused', 'create refused'], `k=${o.k}`).toContain(o.how);
  });
});
