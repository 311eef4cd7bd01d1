/**
 * CPython's Lib/test/test_asyncio/test_queues.py, each case named after its original and written
 * as a generator task (asyncio's `await` is `yield*`). Where asyncio reads `_getters`/`_putters`
 * the test reads the same internal lists. Both cores, virtual clock (asyncio's test loop with a
 * time generator is exactly that). Python's ValueError is RangeError (API.md §9).
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import { CancelledError, Event, LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown, TaskGroup, TimeoutError, sleep, wait, waitFor, type Task } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

type Internals = { _getters: unknown[]; _putters: unknown[]; _unfinishedTasks: number };
const internals = (q: Queue<unknown>) => q as unknown as Internals;

describe.each(CORES)('test_queues (%s core)', (core) => {
  for (const [name, fn] of [
    ['test_repr', (q: Queue<unknown>) => String(q)],
    ['test_str', (q: Queue<unknown>) => `${q}`],
  ] as const) {
    it(`test_queues.QueueBasicTests.${name}: getters, putters and the items themselves`, async () => {
      const loop = vloop(core);
      let q = new Queue();
      expect(fn(q).startsWith('<Queue')).toBe(true);
      await runTask(loop, function* () {
        const q1 = new Queue();
        loop.createTask(q1.get()); // a task that waits to get
        yield* sleep(0.1);
        expect(fn(q1)).toContain('_getters[1]');
        q1.putNowait(0);
        const q2 = new Queue(1);
        q2.putNowait(1);
        loop.createTask(q2.put(2)); // a task that waits to put
        yield* sleep(0.1);
        expect(fn(q2)).toContain('_putters[1]');
        q2.getNowait();
      });
      q = new Queue();
      q.putNowait(1);
      expect(fn(q)).toContain('_queue=[1]');
      expect(fn(q)).toBe('<Queue maxsize=0 _queue=[1] tasks=1>');
      q.putNowait('a');
      expect(fn(q)).toBe("<Queue maxsize=0 _queue=[1, 'a'] tasks=2>");
      const lifo = new LifoQueue();
      lifo.putNowait(null);
      lifo.putNowait(true);
      expect(fn(lifo)).toBe('<LifoQueue maxsize=0 _queue=[None, True] tasks=2>');
      const pq = new PriorityQueue();
      for (const x of [3, 1, 2]) pq.putNowait(x);
      expect(fn(pq)).toBe('<PriorityQueue maxsize=0 _queue=[1, 3, 2] tasks=3>'); // heap order, as list(heap)
      loop.close();
    });
  }

  it('test_queues.QueueBasicTests.test_empty', () => {
    const q = new Queue();
    expect(q.empty()).toBe(true);
    q.putNowait(1);
    expect(q.empty()).toBe(false);
    expect(q.getNowait()).toBe(1);
    expect(q.empty()).toBe(true);
  });

  it('test_queues.QueueBasicTests.test_full', () => {
    expect(new Queue().full()).toBe(false);
    const q = new Queue(1);
    q.putNowait(1);
    expect(q.full()).toBe(true);
  });

  it('test_queues.QueueBasicTests.test_order', () => {
    const q = new Queue<number>();
    for (const i of [1, 3, 2]) q.putNowait(i);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([1, 3, 2]);
  });

  it('test_queues.QueueBasicTests.test_maxsize', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(2);
    expect(q.maxsize).toBe(2);
    const haveBeenPut: number[] = [];
    await runTask(loop, function* () {
      const t = loop.createTask(function* () {
        for (let i = 0; i < 3; i++) {
          yield* q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      });
      yield* sleep(0.01);
      expect(haveBeenPut).toEqual([0, 1]); // blocked after two items
      expect(q.getNowait()).toBe(0);
      yield* sleep(0.01);
      expect(haveBeenPut).toEqual([0, 1, 2]);
      expect(q.getNowait()).toBe(1);
      expect(q.getNowait()).toBe(2);
      expect(t.done()).toBe(true);
      expect(t.result()).toBe(true);
    });
    expect(loop.time()).toBeCloseTo(0.02, 9);
    loop.close();
  });

  it('test_queues.QueueGetTests.test_blocking_get', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    q.putNowait(1);
    expect(await runTask(loop, () => q.get())).toBe(1);
    loop.close();
  });

  it('test_queues.QueueGetTests.test_get_with_putters', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(1);
    q.putNowait(1);
    const putter = loop.createTask(q.put(2));
    await iterations(loop, 1);
    expect(internals(q)._putters).toHaveLength(1);
    expect(await runTask(loop, () => q.get())).toBe(1);
    await loop.runUntilComplete(putter);
    expect(q.getNowait()).toBe(2);
    loop.close();
  });

  it('test_queues.QueueGetTests.test_blocking_get_wait', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    const started = new Event();
    let finished = false;
    const res = await runTask(loop, function* () {
      loop.callLater(0.01, () => q.putNowait(1));
      const getTask = loop.createTask(function* () {
        started.set();
        const r = yield* q.get();
        finished = true;
        return r;
      });
      yield* started.wait();
      expect(finished).toBe(false);
      const r = yield* getTask;
      expect(finished).toBe(true);
      return r;
    });
    expect(res).toBe(1);
    expect(loop.time()).toBeCloseTo(0.01, 9);
    loop.close();
  });

  it('test_queues.QueueGetTests.test_nonblocking_get', () => {
    const q = new Queue();
    q.putNowait(1);
    expect(q.getNowait()).toBe(1);
  });

  it('test_queues.QueueGetTests.test_nonblocking_get_exception', () => {
    expect(() => new Queue().getNowait()).toThrow(QueueEmpty);
  });

  it('test_queues.QueueGetTests.test_get_cancelled', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    const res = await runTask(loop, function* () {
      const getTask = loop.createTask(() => waitFor(q.get(), 0.051));
      yield* sleep(0.01); // let the task start
      q.putNowait(1);
      return yield* getTask;
    });
    expect(res).toBe(1);
    expect(loop.time()).toBeCloseTo(0.01, 9);
    loop.close();
  });

  it('test_queues.QueueGetTests.test_get_cancelled_race', async () => {
    const loop = vloop(core);
    const q = new Queue<string>();
    const t1 = loop.createTask(q.get());
    const t2 = loop.createTask(q.get());
    await iterations(loop, 1);
    t1.cancel();
    await iterations(loop, 1);
    expect(t1.done()).toBe(true);
    q.putNowait('a');
    await iterations(loop, 1);
    expect(t2.result()).toBe('a');
    loop.close();
  });

  it('test_queues.QueueGetTests.test_get_with_waiting_putters', async () => {
    const loop = vloop(core);
    const q = new Queue<string>(1);
    loop.createTask(q.put('a'));
    loop.createTask(q.put('b'));
    await iterations(loop, 1);
    expect(await runTask(loop, () => q.get())).toBe('a');
    expect(await runTask(loop, () => q.get())).toBe('b');
    loop.close();
  });

  it('test_queues.QueueGetTests.test_why_are_getters_waiting', async () => {
    // gh-90240: a getter woken for an item that a put_nowait/get_nowait pair took meanwhile
    const loop = vloop(core);
    const q = new Queue<number>(1);
    const seen: number[] = [];
    const consumer = function* () {
      seen.push(yield* q.get());
    };
    await runTask(loop, function* () {
      const t1 = loop.createTask(consumer);
      const t2 = loop.createTask(consumer);
      yield* sleep(0);
      yield* q.put(1);
      yield* q.put(2);
      yield* t1;
      yield* t2;
    });
    expect(seen).toEqual([1, 2]);
    loop.close();
  });

  it('test_queues.QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(5);
    await runTask(loop, function* () {
      try {
        yield* waitFor(q.get(), 0.1);
      } catch (e) {
        expect(e).toBeInstanceOf(TimeoutError);
      }
    });
    expect(internals(q)._getters).toHaveLength(0);
    loop.close();
  });

  it('test_queues.QueuePutTests.test_blocking_put', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    await runTask(loop, () => q.put(1)); // no maxsize: does not block
    expect(q.qsize()).toBe(1);
    loop.close();
  });

  it('test_queues.QueuePutTests.test_blocking_put_wait', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(1);
    const started = new Event();
    let finished = false;
    await runTask(loop, function* () {
      loop.callLater(0.01, () => q.getNowait());
      const putTask = loop.createTask(function* () {
        started.set();
        yield* q.put(1);
        yield* q.put(2);
        finished = true;
      });
      yield* started.wait();
      expect(finished).toBe(false);
      yield* putTask;
      expect(finished).toBe(true);
    });
    expect(loop.time()).toBeCloseTo(0.01, 9);
    loop.close();
  });

  it('test_queues.QueuePutTests.test_nonblocking_put_exception', () => {
    const q = new Queue(1);
    q.putNowait(1);
    expect(() => q.putNowait(2)).toThrow(QueueFull);
  });

  it('test_queues.QueuePutTests.test_float_maxsize', async () => {
    const loop = vloop(core);
    let q = new Queue<number>(1.3);
    q.putNowait(1);
    q.putNowait(2);
    expect(q.full()).toBe(true);
    expect(() => q.putNowait(3)).toThrow(QueueFull);
    q = new Queue<number>(1.3);
    await runTask(loop, function* () {
      yield* q.put(1);
      yield* q.put(2);
      expect(q.full()).toBe(true);
    });
    loop.close();
  });

  it('test_queues.QueuePutTests.test_put_cancelled', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    const t = loop.createTask(function* () {
      yield* q.put(1);
      return true;
    });
    expect(await runTask(loop, () => q.get())).toBe(1);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe(true);
    loop.close();
  });

  it('test_queues.QueuePutTests.test_put_cancelled_race', async () => {
    const loop = vloop(core);
    const q = new Queue<string>(1);
    const putA = loop.createTask(q.put('a'));
    const putB = loop.createTask(q.put('b'));
    const putC = loop.createTask(q.put('X'));
    await iterations(loop, 1);
    expect(putA.done()).toBe(true);
    expect(putB.done()).toBe(false);
    putC.cancel();
    await iterations(loop, 1);
    expect(putC.done()).toBe(true);
    expect(q.getNowait()).toBe('a');
    await iterations(loop, 1); // the woken putter puts
    expect(q.getNowait()).toBe('b');
    await loop.runUntilComplete(putB);
    loop.close();
  });

  it('test_queues.QueuePutTests.test_put_with_waiting_getters', async () => {
    const loop = vloop(core);
    const q = new Queue<string>();
    const t = loop.createTask(q.get());
    await iterations(loop, 1);
    await runTask(loop, () => q.put('a'));
    expect(await loop.runUntilComplete(t)).toBe('a');
    loop.close();
  });

  it('test_queues.QueuePutTests.test_why_are_putters_waiting', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(2);
    await runTask(loop, function* () {
      const putters = [0, 1, 2, 3].map((i) => loop.createTask(q.put(i)));
      yield* sleep(0); // every putter runs once: two put, two wait
      const got: number[] = [];
      for (let i = 0; i < 4; i++) got.push(yield* q.get());
      yield* wait(putters);
      expect(got).toEqual([0, 1, 2, 3]);
    });
    loop.close();
  });

  it('test_queues.QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters', async () => {
    const loop = vloop(core);
    const q = new Queue<number>(1);
    q.putNowait(1);
    const put = loop.createTask(q.put(1));
    await iterations(loop, 1);
    expect(internals(q)._putters).toHaveLength(1);
    put.cancel();
    await expect(loop.runUntilComplete(put)).rejects.toBeInstanceOf(CancelledError);
    expect(internals(q)._putters).toHaveLength(0);
    loop.close();
  });

  it('test_queues.QueuePutTests.test_cancelled_put_silence_value_error_exception', async () => {
    // a putter cancelled after it was woken does not raise from its cleanup
    const loop = vloop(core);
    const q = new Queue<number>(1);
    q.putNowait(1);
    const put = loop.createTask(q.put(2));
    await iterations(loop, 1);
    q.getNowait(); // wakes the putter
    put.cancel();
    await expect(loop.runUntilComplete(put)).rejects.toBeInstanceOf(CancelledError);
    expect(internals(q)._putters).toHaveLength(0);
    loop.close();
  });

  it('test_queues.LifoQueueTests.test_order', () => {
    const q = new LifoQueue<number>();
    for (const i of [1, 3, 2]) q.putNowait(i);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([2, 3, 1]);
  });

  it('test_queues.PriorityQueueTests.test_order', () => {
    const q = new PriorityQueue<number>();
    for (const i of [1, 3, 2]) q.putNowait(i);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([1, 2, 3]);
  });

  it('test_queues._QueueJoinTestMixin.test_task_done_underflow', () => {
    expect(() => new Queue().taskDone()).toThrow(RangeError);
  });

  it('test_queues._QueueJoinTestMixin.test_task_done', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    for (let i = 0; i < 100; i++) q.putNowait(i);
    let accumulator = 0;
    let running = true;
    const worker = function* () {
      while (running) {
        accumulator += yield* q.get();
        q.taskDone();
      }
    };
    const tasks: Task<unknown>[] = await runTask(loop, function* () {
      const ts = [0, 1].map(() => loop.createTask(worker));
      yield* q.join();
      return ts;
    });
    expect(accumulator).toBe((99 * 100) / 2);
    running = false;
    for (let i = 0; i < tasks.length; i++) q.putNowait(0);
    await loop.runUntilComplete(loop.createTask(() => wait(tasks)));
    loop.close();
  });

  it('test_queues._QueueJoinTestMixin.test_join_empty_queue', async () => {
    const loop = vloop(core);
    const q = new Queue();
    await runTask(loop, function* () {
      yield* q.join();
      yield* q.join();
    });
    loop.close();
  });

  it('test_queues._QueueJoinTestMixin.test_format', () => {
    const q = new Queue();
    expect(String(q)).toBe('<Queue maxsize=0>');
    internals(q)._unfinishedTasks = 2;
    expect(String(q)).toBe('<Queue maxsize=0 tasks=2>');
  });
});

const QUEUE_CLASSES = [
  ['Queue', () => new Queue<string>()],
  ['LifoQueue', () => new LifoQueue<string>()],
  ['PriorityQueue', () => new PriorityQueue<string>()],
] as const;

/** what awaiting `aw` in the task threw (asyncio's `with self.assertRaises(...): await aw`) */
function* raises(aw: Iterable<unknown> & object): Generator<unknown, unknown, unknown> {
  try {
    yield* aw as Generator<unknown, unknown, unknown>;
  } catch (e) {
    return e;
  }
  return undefined;
}

describe.each(CORES)('test_queues shutdown, 3.13 (%s core)', (core) => {
  for (const [cls, make] of QUEUE_CLASSES) {
    const sized = (maxsize: number) => (cls === 'Queue' ? new Queue<string>(maxsize) : cls === 'LifoQueue' ? new LifoQueue<string>(maxsize) : new PriorityQueue<string>(maxsize));
    const expectShutDownEverywhere = function* (q: Queue<string>): Generator<unknown, void, unknown> {
      expect(yield* raises(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(() => q.putNowait('data')).toThrow(QueueShutDown);
      expect(yield* raises(q.get())).toBeInstanceOf(QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
    };

    it(`test_queues.${cls}ShutdownTests.test_format`, () => {
      const q = make();
      q.shutdown();
      expect(String(q)).toBe(`<${cls} maxsize=0 shutdown>`);
    });

    it(`test_queues.${cls}ShutdownTests.test_shutdown_empty`, async () => {
      const loop = vloop(core);
      await runTask(loop, function* () {
        const q = make();
        const getTask = loop.createTask(q.get());
        yield* sleep(0); // the get is pending before the shutdown
        q.shutdown(false);
        expect(q.qsize()).toBe(0);
        yield* q.join();
        yield* sleep(0);
        expect(getTask.done()).toBe(true);
        expect(yield* raises(getTask)).toBeInstanceOf(QueueShutDown);
        yield* expectShutDownEverywhere(q);
      });
      loop.close();
    });

    it(`test_queues.${cls}ShutdownTests.test_shutdown_nonempty`, async () => {
      const loop = vloop(core);
      await runTask(loop, function* () {
        const q = sized(1);
        q.putNowait('data');
        const joinTask = loop.createTask(q.join());
        const putTask = loop.createTask(q.put('data2'));
        yield* sleep(0);
        expect(putTask.done()).toBe(false);
        q.shutdown(false);
        expect(q.qsize()).toBe(1);
        yield* sleep(0);
        expect(putTask.done()).toBe(true);
        expect(yield* raises(putTask)).toBeInstanceOf(QueueShutDown);
        expect(yield* q.get()).toBe('data');
        yield* sleep(0);
        expect(joinTask.done()).toBe(false);
        yield* expectShutDownEverywhere(q);
        q.taskDone();
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
        yield* joinTask;
        expect(() => q.taskDone()).toThrow(RangeError);
      });
      loop.close();
    });

    it(`test_queues.${cls}ShutdownTests.test_shutdown_immediate`, async () => {
      const loop = vloop(core);
      await runTask(loop, function* () {
        const q = make();
        q.putNowait('data');
        const joinTask = loop.createTask(q.join());
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
        yield* joinTask;
        yield* expectShutDownEverywhere(q);
        expect(() => q.taskDone()).toThrow(RangeError);
      });
      loop.close();
    });

    it(`test_queues.${cls}ShutdownTests.test_shutdown_immediate_with_unfinished`, async () => {
      const loop = vloop(core);
      await runTask(loop, function* () {
        const q = make();
        q.putNowait('data');
        q.putNowait('data');
        const joinTask = loop.createTask(q.join());
        expect(yield* q.get()).toBe('data');
        q.shutdown(true);
        expect(q.qsize()).toBe(0);
        yield* sleep(0);
        expect(joinTask.done()).toBe(false);
        yield* expectShutDownEverywhere(q);
        q.taskDone();
        expect(() => q.taskDone()).toThrow(RangeError);
        yield* sleep(0);
        expect(joinTask.done()).toBe(true);
        yield* joinTask;
      });
      loop.close();
    });

    it(`test_queues.${cls}JoinTests.test_task_done (in a TaskGroup)`, async () => {
      const loop = vloop(core);
      const q = cls === 'Queue' ? new Queue<number>() : cls === 'LifoQueue' ? new LifoQueue<number>() : new PriorityQueue<number>();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let accumulator = 0;
      let running = true;
      await runTask(loop, function* () {
        yield* new TaskGroup().run(function* (tg) {
          const tasks = [0, 1].map(() =>
            tg.createTask(function* () {
              while (running) {
                accumulator += yield* q.get();
                q.taskDone();
              }
            }),
          );
          yield* q.join();
          expect(accumulator).toBe((99 * 100) / 2);
          running = false;
          for (let i = 0; i < tasks.length; i++) q.putNowait(0);
        });
      });
      loop.close();
    });
  }
});
