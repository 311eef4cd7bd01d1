/**
 * Fault injection: the core refuses its k-th allocation (`core.failAfter(k)`, test-only), for every
 * k a program makes (counted by a first run), on both cores. After each refusal the loop's state
 * must be consistent: no ghost task in allTasks(), no done future whose callbacks were dropped,
 * every awaiter woken or the refusal surfaced as an error, the runner returns (a guard timer on
 * the virtual clock tells a hang), and the loop stays usable.
 * @needs shared
 */
import { describe, expect, it } from 'vitest';
import {
  Condition,
  Event,
  ExceptionGroup,
  Future,
  Lock,
  Queue,
  Task,
  TaskGroup,
  TimeoutError,
  allTasks,
  connect,
  gather,
  run,
  sleep,
  timeout,
  wait,
  waitFor,
  type EventLoop,
} from '../bindings/index.js';
import { MEMORY_EXHAUSTED } from '../bindings/core/types.js';
import { CORES, type CoreName, vloop } from './helpers.js';

const INJECTED = `${MEMORY_EXHAUSTED}: refused by failAfter() (fault injection)`;
/** Virtual seconds after which a run counts as hung (no program here waits that long). */
const HANG = 1e6;
const COUNT = 2 ** 30;

/** Whether `e` is the injected refusal, or an error that carries it (an ExceptionGroup, a cause). */
function carriesRefusal(e: unknown, depth = 0): boolean {
  if (depth > 8 || e === null || typeof e !== 'object') return false;
  if (e instanceof RangeError && e.message === INJECTED) return true;
  if (e instanceof ExceptionGroup) return e.exceptions.some((x) => carriesRefusal(x, depth + 1));
  return carriesRefusal((e as { cause?: unknown }).cause, depth + 1);
}

type Program = (loop: EventLoop, made: Future<unknown>[]) => unknown;

interface Outcome {
  k: number;
  how: 'ok' | 'refused' | 'create refused' | string;
}

/**
 * Runs `program` as the main task of a fresh virtual loop with the k-th allocation refused (k 0:
 * none), then asyncio.run's shutdown (the leftover tasks cancelled and awaited), and checks the
 * state. Returns what happened and how many allocations were made.
 */
async function runOnce(core: CoreName, program: Program, expected: unknown, k: number): Promise<{ outcome: Outcome; allocations: number }> {
  const loop = vloop(core);
  const tasks: Task<unknown>[] = [];
  loop.setTaskFactory((l, coro, opts) => {
    const t = new Task(coro, { ...opts, loop: l as EventLoop });
    tasks.push(t as Task<unknown>);
    return t;
  });
  const reports: unknown[] = [];
  loop.setExceptionHandler((_l, ctx) => void reports.push(ctx.exception ?? ctx.message));
  let hung = false;
  const guard = () => {
    hung = true;
    loop.stop();
    loop.callLater(HANG, guard); // the shutdown below is guarded too
  };
  loop.callLater(HANG, guard);
  const made: Future<unknown>[] = []; // futures the program makes: none may end done with callbacks held
  loop._core.failAfter(k === 0 ? COUNT : k);
  let how = '';
  let main: Task<unknown> | null = null;
  try {
    main = loop.createTask(() => program(loop, made)) as Task<unknown>;
  } catch (e) {
    if (!carriesRefusal(e)) throw e;
    how = 'create refused';
  }
  if (main !== null) {
    try {
      const v = await loop.runUntilComplete(main);
      expect(v).toEqual(expected);
      how = 'ok';
    } catch (e) {
      how = hung ? 'hung' : carriesRefusal(e) ? 'refused' : `failed: ${String(e)}`;
    }
  }
  // asyncio.run's shutdown: cancel what is left, run until it is done
  const left = [...allTasks(loop)];
  for (const t of left) t.cancel();
  if (left.length > 0) {
    const all = loop.createFuture<void>();
    let n = left.length;
    for (const t of left) t.addDoneCallback(() => void (--n === 0 && all.setResult()));
    await loop.runUntilComplete(all).catch((e: unknown) => void (how = `shutdown failed: ${String(e)}`));
  }
  const remaining = k === 0 ? COUNT - loop._core.failAfter(0) : loop._core.failAfter(0);
  const where = `k=${k} (${how})`;
  expect(hung, `${where}: the run hung`).toBe(false);
  expect(allTasks(loop).size, `${where}: tasks left in allTasks()`).toBe(0);
  for (const t of tasks) {
    expect(t.done(), `${where}: ${t} never finished`).toBe(true);
    expect(t._callbacks, `${where}: ${t} is done with callbacks never scheduled`).toBe(null);
  }
  for (const f of made) if (f.done()) expect(f._callbacks, `${where}: ${f} is done with callbacks never scheduled`).toBe(null);
  expect((loop as unknown as { _overflow: unknown[] })._overflow.length, `${where}: work still waits for a slot`).toBe(0);
  for (const r of reports) expect(carriesRefusal(r) || String(r).includes('Cancelled'), `${where}: reported ${String(r)}`).toBe(true);
  // still usable
  if (k !== 0) expect(remaining, `${where}: the k-th allocation never happened`).toBe(0);
  expect(await loop.runUntilComplete(loop.createTask(() => sleep(1, 'usable')))).toBe('usable');
  loop.close();
  return { outcome: { k, how: how }, allocations: remaining };
}

/** Every k from 1 to the program's allocations + 1; returns how each ended. */
async function sweep(core: CoreName, program: Program, expected: unknown): Promise<Outcome[]> {
  const { outcome, allocations } = await runOnce(core, program, expected, 0);
  expect(outcome.how).toBe('ok');
  expect(allocations).toBeGreaterThan(3);
  const outcomes: Outcome[] = [];
  for (let k = 1; k <= allocations; k++) outcomes.push((await runOnce(core, program, expected, k)).outcome);
  return outcomes;
}

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
