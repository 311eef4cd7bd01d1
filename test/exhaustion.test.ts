/**
 * A core with no slot to spare (maxEntries reached, or failAfter's injected refusal): nothing is
 * left half-done (issue #14, defects 4-6). test/fault-injection.test.ts sweeps whole programs.
 */
// proves: §9.1
import { describe, expect, it } from 'vitest';
import { allTasks, asCompleted, getRunningLoop, run, sleep, timeout, type EventLoop } from '../bindings/index.js';
import { MEMORY_EXHAUSTED } from '../bindings/core/types.js';
import { coroutine } from '../bindings/coro.js';
import { CORES, captureConsole, vloop } from './helpers.js';

/** Fills a virtual loop's core (maxEntries 4) with timers at 1..4 s that note their time in `seen`. */
function full(core: (typeof CORES)[number]): { loop: EventLoop; seen: string[] } {
  const loop = vloop(core, { maxEntries: 4 });
  const seen: string[] = [];
  for (let k = 1; k <= 4; k++)
    loop.callLater(k, () => {
      seen.push(`t${k}`);
      if (k === 4) loop.stop();
    });
  expect(() => loop.callSoon(() => undefined)).toThrow(RangeError);
  return { loop, seen };
}

describe.each(CORES)('core memory exhausted (%s core)', (core) => {
  it.each([
    ['setResult', (f: ReturnType<EventLoop['createFuture']>) => f.setResult(1), 'result 1'],
    ['setException', (f: ReturnType<EventLoop['createFuture']>) => f.setException(new TypeError('boom')), 'error boom'],
    ['cancel', (f: ReturnType<EventLoop['createFuture']>) => f.cancel('why'), 'cancelled why'],
  ] as const)('%s on a full core: the future is done and every done callback still runs, once a slot is free (defect 4)', async (_name, finish, outcome) => {
    const { loop, seen } = full(core);
    const f = loop.createFuture<number>();
    const describeF = (x: typeof f) => (x.cancelled() ? `cancelled ${(() => { try { x.result(); } catch (e) { return (e as Error).message; } })()}` : x.exception() ? `error ${(x.exception() as Error).message}` : `result ${x.result()}`);
    f.addDoneCallback((x) => seen.push(`a: ${describeF(x)}`));
    f.addDoneCallback((x) => seen.push(`b: ${describeF(x)}`));
    const awaited = f.then(
      (v) => `await: result ${v}`,
      (e: Error) => `await: ${e.name} ${e.message}`,
    );
    finish(f); // no slot: nothing thrown, nothing lost
    expect(f.done()).toBe(true);
    await loop.runForever();
    // the callbacks ran as soon as the first timer's slot was free, in the order they were added
    expect(seen).toEqual(['t1', `a: ${outcome}`, `b: ${outcome}`, 't2', 't3', 't4']);
    expect(await awaited).toBe(outcome === 'result 1' ? 'await: result 1' : outcome === 'error boom' ? 'await: TypeError boom' : 'await: CancelledError why');
    loop.close();
  });

  it('a done callback refused a slot (failAfter) waits for one and runs after those that got theirs', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    const seen: number[] = [];
    f.addDoneCallback(() => seen.push(1));
    f.addDoneCallback(() => seen.push(2));
    loop._core.failAfter(2); // the second callback's slot is refused
    f.setResult(0);
    expect(loop._core.readyCount()).toBe(1);
    await loop.runUntilComplete(loop.createTask(() => sleep(0.1)));
    expect(seen).toEqual([1, 2]);
    loop.close();
  });

  it('createTask refused by the core throws, leaves no task in allTasks() and closes the generator (test_tasks.test_error_in_call_soon, test_base_events.test_create_task_error_closes_coro; defect 5)', () => {
    const loop = vloop(core, { maxEntries: 1 });
    loop.callLater(1, () => undefined); // the only slot
    let started = false;
    const gen = (function* () {
      started = true;
      yield* sleep(1);
    })();
    expect(() => loop.createTask(gen)).toThrow(new RangeError(`${MEMORY_EXHAUSTED}: 1 callbacks and timers are pending, as many as maxEntries allows`));
    expect(allTasks(loop).size).toBe(0);
    expect(gen.next()).toEqual({ value: undefined, done: true }); // closed, never run
    expect(started).toBe(false);
    expect(() => loop.createTask(async () => 1)).toThrow(RangeError);
    expect(allTasks(loop).size).toBe(0);
    loop.close();
  });

  it('run() returns when a createTask inside it was refused (defect 5)', async () => {
    const child = function* () {
      yield* sleep(1);
    };
    const { result, errors } = await captureConsole(() =>
      run(
        async () => {
          const loop = getRunningLoop();
          loop.callLater(1e5, () => loop.stop()); // a hang guard: without it a ghost task would keep run() waiting for ever
          loop._core.failAfter(1);
          try {
            loop.createTask(child());
          } catch (e) {
            return (e as Error).message.startsWith(MEMORY_EXHAUSTED) ? 'refused' : String(e);
          }
          return 'not refused';
        },
        { core, clock: 'virtual' },
      ),
    );
    expect(result).toBe('refused');
    expect(errors).toEqual([]);
  });

  it('a generator task whose next step is refused (a bare yield) is resumed once a slot is free (defect 6)', async () => {
    const loop = vloop(core);
    const steps: number[] = [];
    const t = loop.createTask(function* () {
      steps.push(1);
      loop._core.failAfter(1);
      yield; // its next step needs a slot: refused
      steps.push(2);
      return 'resumed';
    });
    loop.callLater(1e5, () => loop.stop());
    expect(await loop.runUntilComplete(t)).toBe('resumed');
    expect(steps).toEqual([1, 2]);
    loop.close();
  });

  it('an async task awaiting a toolkit coroutine whose next step is refused is resumed (defect 6)', async () => {
    const loop = vloop(core);
    const inner = coroutine(function* () {
      loop._core.failAfter(1);
      yield* sleep(0); // the coroutine's next step needs a slot: refused
      return 'resumed';
    });
    loop.callLater(1e5, () => loop.stop());
    expect(await loop.runUntilComplete(loop.createTask(async () => await inner()))).toBe('resumed');
    loop.close();
  });

  it('addDoneCallback on a done future when the core is full: the callback still runs, once a slot is free (defect 6)', async () => {
    const { loop, seen } = full(core);
    const f = loop.createFuture<number>();
    loop._core.failAfter(0);
    f.setResult(5); // no callbacks yet: nothing to schedule
    f.addDoneCallback((x) => seen.push(`late ${x.result()}`));
    await loop.runForever();
    expect(seen).toEqual(['t1', 'late 5', 't2', 't3', 't4']);
    loop.close();
  });

  it('Timeout.reschedule refused by the core keeps the deadline it had (defect 6)', async () => {
    const loop = vloop(core);
    const out = await loop.runUntilComplete(
      loop.createTask(async () => {
        try {
          await timeout(10).run(async (cm) => {
            loop._core.failAfter(1);
            expect(() => cm.reschedule(1)).toThrow(RangeError);
            expect(cm.when()).toBe(10);
            await sleep(20);
          });
          return 'no timeout';
        } catch (e) {
          return `${(e as Error).name} at ${loop.time()}`;
        }
      }),
    );
    expect(out).toBe('TimeoutError at 10');
    loop.close();
  });

  it('a Timeout whose deadline the core refused on entering is not entered, and can be entered again (defect 6)', async () => {
    const loop = vloop(core);
    const out = await loop.runUntilComplete(
      loop.createTask(async () => {
        const cm = timeout(5);
        loop._core.failAfter(1);
        let first = 'entered';
        try {
          await cm.enter();
        } catch (e) {
          first = (e as Error).name;
        }
        await cm.enter();
        try {
          await sleep(10);
        } catch (e) {
          try {
            await cm.exit(e);
          } catch {
            // the TimeoutError the exit turns the cancellation into
          }
          return [first, `expired at ${loop.time()}`];
        }
        return [first, 'not expired'];
      }),
    );
    expect(out).toEqual(['RangeError', 'expired at 5']);
    loop.close();
  });

  it('asCompleted with a timeout the core refused leaves no callback on the awaitables (defect 6)', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    await loop.runUntilComplete(
      loop.createTask(async () => {
        loop._core.failAfter(1);
        expect(() => asCompleted([f], { timeout: 1 })).toThrow(RangeError);
      }),
    );
    expect(f._callbacks ?? []).toEqual([]);
    loop.close();
  });
});
