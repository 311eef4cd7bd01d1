/**
 * Cases of CPython's test_tasks.py and test_futures.py that the other suites did not re-express:
 * cancellation reaching what a task awaits next, a task that ignores its cancellation, repr while
 * cancelling, messages surviving wait(), gather and shield together, explicit task contexts.
 * Each runs on both cores on the virtual clock, from generator and async-function tasks.
 */
// proves: §6.2, §6.3, §6.4
import { describe, expect, it } from 'vitest';
import { CancelledError, ContextVar, FIRST_COMPLETED, FIRST_EXCEPTION, Future, InvalidStateError, asCompleted, copyContext, currentTask, ensureFuture, gather, shield, sleep, wait, type Task } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

const KINDS = ['generator', 'async'] as const;

describe.each(CORES)('tasks as asyncio tests them (%s core)', (core) => {
  it.each(KINDS)('a task that cancels itself and then awaits a task cancels that task and what it awaits (bpo-34872, %s)', async (kind) => {
    const loop = vloop(core);
    const fut = loop.createFuture();
    let nested!: Task<unknown>;
    const t: Task<unknown> =
      kind === 'generator'
        ? loop.createTask(function* () {
            nested = loop.createTask(function* () {
              yield* fut;
            });
            yield* sleep(0);
            t.cancel();
            yield* nested;
          })
        : loop.createTask(async () => {
            nested = loop.createTask(async () => {
              await fut;
            });
            await sleep(0);
            t.cancel();
            await nested;
          });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(t.cancelled()).toBe(true);
    expect(nested.cancelled()).toBe(true);
    expect(fut.cancelled()).toBe(true);
    loop.close();
  });

  it.each(KINDS)('a task that catches CancelledError without uncancel() goes on; the next await is not cancelled (%s)', async (kind) => {
    const loop = vloop(core);
    const [f1, f2, f3] = [loop.createFuture(), loop.createFuture(), loop.createFuture<number>()];
    const t: Task<number> =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* f1;
            try {
              yield* f2;
            } catch {
              /* ignored */
            }
            return yield* f3;
          })
        : loop.createTask(async () => {
            await f1;
            try {
              await f2;
            } catch {
              /* ignored */
            }
            return await f3;
          });
    await iterations(loop, 1);
    f1.setResult(undefined);
    await iterations(loop, 2);
    t.cancel();
    expect(f2.cancelled()).toBe(true);
    await iterations(loop, 2);
    expect(t.cancelling()).toBe(1);
    f3.setResult(42);
    expect(await loop.runUntilComplete(t)).toBe(42);
    expect(f3.cancelled()).toBe(false);
    expect(t.cancelled()).toBe(false);
    loop.close();
  });

  it('a generator task cancelled in the iteration in which it started an async helper: the helper gets the CancelledError at its first await', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const helper = async () => {
      try {
        await sleep(5);
      } finally {
        log.push(`helper finally at ${loop.time()}`);
      }
    };
    const t = loop.createTask(function* () {
      yield* ensureFuture(helper());
    });
    // right after the task's first step, in the same iteration: the helper's `await sleep(5)` has
    // not registered yet (the engine calls `then` in the microtasks after the iteration)
    loop.callSoon(() => t.cancel('now'));
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('now'));
    // asyncio would run the helper inline and throw into it at its await: the same here, the
    // CancelledError comes back through the Future that wraps the helper's promise
    expect(log).toEqual(['helper finally at 0']);
    loop.close();
  });

  it('a coroutine that returns a Future: a generator task returns the object, an async or plain function its outcome', async () => {
    const loop = vloop(core);
    const fut = loop.createFuture<string>();
    const gen = loop.createTask(function* () {
      return fut;
    });
    const viaAsync = loop.createTask(async () => fut);
    const viaPlain = loop.createTask(() => fut);
    const setter = loop.createTask(function* () {
      yield* sleep(1);
      fut.setResult('test');
    });
    await loop.runUntilComplete(gather(gen, viaAsync, viaPlain, setter));
    // asyncio returns the Future object in every case; a promise resolved with a thenable adopts it
    expect(gen.result()).toBe(fut);
    expect(viaAsync.result()).toBe('test');
    expect(viaPlain.result()).toBe('test');
    loop.close();
  });

  it('cancelling both the awaited future and the task ends the task cancelled', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const t = loop.createTask(function* () {
      yield* f;
      return 12;
    });
    await iterations(loop, 1);
    f.cancel();
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(f.cancelled()).toBe(true);
    expect(t.cancelled()).toBe(true);
    loop.close();
  });

  it('repr says "cancelling" while cancellation requests are pending, "pending" again after uncancel()', async () => {
    const loop = vloop(core);
    const t: Task<void> = loop.createTask(function* () {
      try {
        yield* sleep(10);
      } catch {
        t.uncancel();
        yield* sleep(10);
      }
    });
    expect(String(t)).toMatch(/^<Task pending /);
    await loop.runUntilComplete(() => sleep(0.01));
    expect(t.cancel()).toBe(true);
    // the sleep it waits on took the cancellation: nothing is left for the task's next step
    expect(String(t)).toMatch(/^<Task cancelling /);
    expect(t.cancelling()).toBe(1);
    await loop.runUntilComplete(() => sleep(0.01));
    expect(String(t)).toMatch(/^<Task pending /);
    expect(t.cancelling()).toBe(0);
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(String(t)).toMatch(/^<Task cancelled /);
    expect(t.uncancel()).toBe(0);
    expect(t.cancelled()).toBe(true);
    loop.close();
  });

  it.each([
    [[], ''],
    [[undefined], ''],
    [['my message'], 'my message'],
  ] as const)('cancel(%j) before the task started: wait() returns and exception() throws CancelledError with that message', async (args, message) => {
    const loop = vloop(core);
    const out = runTask(loop, async () => {
      const task = loop.createTask(() => sleep(10));
      task.cancel(...(args as unknown as [string?]));
      const [done, pending] = await wait([task]);
      expect([done.size, pending.size]).toEqual([1, 0]);
      task.exception();
    });
    await expect(out).rejects.toThrow(new CancelledError(message));
    loop.close();
  });

  it('a structured block cancelled by hand and uncancelled in finally lets the code after it run (uncancel rules)', async () => {
    const loop = vloop(core);
    const makeRequest = (sleepFor: number, timeoutAfter: number) =>
      function* () {
        const task = currentTask()!;
        let timedOut = false;
        let finished = false;
        const h = loop.callLater(timeoutAfter, () => {
          timedOut = true;
          task.cancel();
        });
        try {
          try {
            yield* sleep(sleepFor);
            finished = true;
          } catch (e) {
            if (timedOut && task.uncancel() === 0 && e instanceof CancelledError) throw new RangeError('timed out');
            throw e;
          } finally {
            h.cancel();
          }
        } catch (e) {
          if (!(e instanceof RangeError)) throw e;
        }
        yield* sleep(0);
        return [timedOut, finished, true, task.cancelling()];
      };
    expect(await runTask(loop, makeRequest(10, 0.1))).toEqual([true, false, true, 0]);
    expect(await runTask(loop, makeRequest(0, 10))).toEqual([false, true, true, 0]);
    loop.close();
  });

  it.each(KINDS)('a task cancelled while it awaits wait() leaves the waited-for task running (%s)', async (kind) => {
    const loop = vloop(core);
    const waiter = loop.createFuture();
    let proof = 0;
    const inner = loop.createTask(async () => {
      await waiter;
      proof += 1;
    });
    const outer =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* wait([inner]);
            proof += 100;
          })
        : loop.createTask(async () => {
            await wait([inner]);
            proof += 100;
          });
    await iterations(loop, 1);
    outer.cancel();
    await expect(loop.runUntilComplete(outer)).rejects.toBeInstanceOf(CancelledError);
    waiter.setResult(undefined);
    await iterations(loop, 2);
    expect(proof).toBe(1);
    expect(inner.done()).toBe(true);
    loop.close();
  });

  it('the task stepping after a future was finished behind its back reports InvalidStateError and keeps the outcome', async () => {
    const loop = vloop(core);
    const reports: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
    const t = loop.createTask(function* () {
      yield* sleep(0.1);
      return 10;
    });
    Future.prototype.setResult.call(t, 'spam');
    expect(await loop.runUntilComplete(t)).toBe('spam');
    await loop.runUntilComplete(() => sleep(0.2));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toBeInstanceOf(InvalidStateError);
    expect((reports[0] as Error).message).toMatch(/^_step\(\): already done/);
    loop.close();
  });

  it('a task given an explicit context runs in it: changes stay there for the next task using it', async () => {
    const loop = vloop(core);
    const cvar = new ContextVar<number>('cvar');
    const out = await runTask(loop, function* () {
      const ret: unknown[] = [];
      const ctx = copyContext();
      ret.push(ctx.get(cvar));
      for (const v of [1, 2]) {
        yield* loop.createTask(
          function* () {
            yield* sleep(0);
            cvar.set(v);
          },
          { context: ctx },
        );
        ret.push(ctx.get(cvar));
      }
      ret.push(cvar.get(-1));
      return ret;
    });
    expect(out).toEqual([undefined, 1, 2, -1]);
    loop.close();
  });

  it('a done callback of a future awaited in a task runs in a copy: its changes never reach the task', async () => {
    const loop = vloop(core);
    const cvar = new ContextVar('cvar', { default: 'nope' });
    const out = await runTask(loop, async () => {
      const seen: string[] = [];
      for (const j of [0, 1]) {
        const fut = loop.createFuture();
        fut.addDoneCallback(() => void cvar.set('something else'));
        cvar.set(`yes${j}`);
        loop.callSoon(() => fut.setResult(undefined));
        await fut;
        seen.push(cvar.get());
        for (const i of [0, 1, 2]) {
          cvar.set(`yes${i}-${j}`);
          await sleep(0.001);
          seen.push(cvar.get());
        }
      }
      return seen;
    });
    expect(out).toEqual(['yes0', 'yes0-0', 'yes1-0', 'yes2-0', 'yes1', 'yes0-1', 'yes1-1', 'yes2-1']);
    expect(cvar.get()).toBe('nope');
    loop.close();
  });
});

describe.each(CORES)('gather and shield as asyncio tests them (%s core)', (core) => {
  it('cancelling a gather whose children are all done but not yet reported returns false and keeps the result (bpo-26923)', async () => {
    const loop = vloop(core);
    const fut = loop.createFuture<number>();
    let g!: Future<number[]>;
    // made inside a task (a generator child becomes a task of the running loop); not returned
    // from it, since a promise resolved with a Future adopts the Future's outcome
    await runTask(loop, function* () {
      g = gather(
        (function* () {
          return yield* fut;
        })(),
      );
    });
    let cancelResult: boolean | null = null;
    fut.addDoneCallback(() => (cancelResult = g.cancel()));
    fut.setResult(42);
    expect(await loop.runUntilComplete(g)).toEqual([42]);
    expect(cancelResult).toBe(false);
    expect(g.cancelled()).toBe(false);
    loop.close();
  });

  it.each([
    [[], ''],
    [['my message'], 'my message'],
  ] as const)('a task awaiting gather(returnExceptions) in a loop, cancelled with %j: the CancelledError carries the message', async (args, message) => {
    const loop = vloop(core);
    const main = runTask(loop, function* () {
      const qwe = loop.createTask(function* () {
        for (let time = 0; time <= 1; time += 0.05) yield* gather(sleep(0.05), { returnExceptions: true });
      });
      yield* sleep(0.2);
      qwe.cancel(...(args as unknown as [string?]));
      yield* qwe;
    });
    await expect(main).rejects.toThrow(new CancelledError(message));
    loop.close();
  });

  it('cancelling outer task of gather: every child and what they wait on is cancelled; the gather refuses a later cancel', async () => {
    const loop = vloop(core);
    const waiter = loop.createFuture();
    let proof = 0;
    const inner = function* () {
      yield* waiter;
      proof += 1;
    };
    const c1 = loop.createTask(inner);
    const c2 = loop.createTask(inner);
    let g!: Future<unknown>;
    const outer = loop.createTask(function* () {
      g = gather(c1, c2);
      yield* g;
      proof += 100;
    });
    await iterations(loop, 1);
    expect(outer.cancel()).toBe(true);
    await expect(loop.runUntilComplete(outer)).rejects.toBeInstanceOf(CancelledError);
    expect(g.cancel()).toBe(false);
    expect(waiter.cancelled()).toBe(true);
    expect(c1.cancelled()).toBe(true);
    expect(c2.cancelled()).toBe(true);
    await iterations(loop, 1);
    expect(proof).toBe(0);
    loop.close();
  });

  it('shield of a gather: cancelling the shield leaves the gather running to its result', async () => {
    const loop = vloop(core);
    const [c1, c2] = [loop.createFuture<number>(), loop.createFuture<number>()];
    const parent = gather(c1, c2);
    const outer = shield(parent);
    await iterations(loop, 1);
    outer.cancel();
    await iterations(loop, 1);
    expect(outer.cancelled()).toBe(true);
    c1.setResult(1);
    c2.setResult(2);
    await iterations(loop, 2);
    expect(parent.result()).toEqual([1, 2]);
    loop.close();
  });

  it('gather of shields: cancelling the gather cancels the shields, not what they protect', async () => {
    const loop = vloop(core);
    const [c1, c2] = [loop.createFuture<number>(), loop.createFuture<number>()];
    const [i1, i2] = [shield(c1), shield(c2)];
    const parent = gather(i1, i2);
    await iterations(loop, 1);
    parent.cancel();
    await iterations(loop, 2);
    expect(parent.exception()).toBeInstanceOf(CancelledError);
    expect(i1.cancelled() && i2.cancelled()).toBe(true);
    expect(c1.done() || c2.done()).toBe(false);
    c1.setResult(1);
    c2.setResult(2);
    await iterations(loop, 1);
    loop.close();
  });

  it('an exception of a child after the gather already failed is marked retrieved (never reported)', async () => {
    const loop = vloop(core);
    const reports: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx.message));
    const [a, b] = [loop.createFuture(), loop.createFuture()];
    const inner = (f: Future<unknown>) =>
      function* () {
        yield* f;
        throw new RangeError('should not be ignored');
      };
    const outer = loop.createTask(function* () {
      yield* gather(inner(a), inner(b));
    });
    await iterations(loop, 1);
    a.setResult(undefined);
    await iterations(loop, 3);
    b.setResult(undefined);
    await iterations(loop, 3);
    expect(outer.exception()).toBeInstanceOf(RangeError);
    expect(reports).toEqual([]);
    loop.close();
  });
});

describe.each(CORES)('wait and asCompleted as asyncio tests them (%s core)', (core) => {
  it('FIRST_COMPLETED returns every future done by the time it resumes, not only the first', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const a = loop.createTask(function* () {
        yield* sleep(0);
      });
      const b = loop.createTask(function* () {
        yield* sleep(0);
        yield* sleep(0);
      });
      const [done, pending] = yield* wait([b, a], { returnWhen: FIRST_COMPLETED });
      return [done.size, pending.size, a.done(), b.done()];
    });
    expect(out).toEqual([2, 0, true, true]);
    loop.close();
  });

  it('FIRST_EXCEPTION with a task that already failed returns at once; a repeated future counts once; any iterable works', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const a = loop.createTask(() => sleep(10));
      const b = loop.createTask(function* () {
        throw new RangeError('err');
      });
      yield* sleep(0);
      const [done, pending] = yield* wait([b, a], { returnWhen: FIRST_EXCEPTION });
      const t0 = loop.time();
      const c = loop.createTask(() => sleep(1, 'test'));
      const [d2, p2] = yield* wait([c, c, a].values(), { timeout: 2 });
      a.cancel();
      return [[...done], [...pending], t0, [...d2].map((f) => f.result()), p2.size];
    });
    expect(out[0]).toHaveLength(1);
    expect((out[0] as Future<unknown>[])[0]!.exception()).toBeInstanceOf(RangeError);
    expect(out.slice(2)).toEqual([0, ['test'], 1]);
    loop.close();
  });

  it.each(['iterator', 'async iterator'] as const)('an asCompleted left after two results can be resumed for the rest (%s)', async (style) => {
    const loop = vloop(core);
    const out = await runTask(loop, async () => {
      const it = asCompleted([0, 1, 2, 3].map((i) => sleep(i, i)));
      const collected: number[] = [];
      for (let round = 0; round < 2; round++) {
        if (style === 'iterator') {
          for (const next of it) {
            collected.push(await next);
            if (round === 0 && collected.length === 2) break;
          }
        } else {
          for await (const f of it) {
            collected.push(f.result());
            if (round === 0 && collected.length === 2) break;
          }
        }
      }
      return collected;
    });
    expect(out).toEqual([0, 1, 2, 3]);
    loop.close();
  });

  it('the coroutines of asCompleted give the first completed result to whichever is awaited first', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const nexts = [...asCompleted([sleep(0.05, 'a'), sleep(0.1, 'b')])];
      const x = yield* nexts[1]!;
      const t1 = loop.time();
      const y = yield* nexts[0]!;
      return [x, t1, y, loop.time()];
    });
    expect(out).toEqual(['a', 0.05, 'b', 0.1]);
    loop.close();
  });

  it('for await gives tasks and futures back as they were passed; other awaitables as new futures; a repeated one once', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, async () => {
      const task = loop.createTask(() => sleep(0.2, 't'));
      const gen = (function* () {
        yield* sleep(0.1);
        return 'g';
      })();
      const outs: Future<unknown>[] = [];
      for await (const f of asCompleted([task, gen, gen, Promise.resolve('p')])) outs.push(f as Future<unknown>);
      return [outs.length, outs.includes(task), outs.map((f) => f.result()).sort()];
    });
    expect(out).toEqual([3, true, ['g', 'p', 't']]);
    loop.close();
  });

  it('asCompleted with a timeout that never fires leaves no timer behind', async () => {
    const loop = vloop(core);
    await runTask(loop, async () => {
      for (const next of asCompleted([sleep(0.01, 'a')], { timeout: 1 })) expect(await next).toBe('a');
    });
    expect(loop._core.timerCount() - loop._core.cancelledCount()).toBe(0);
    loop.close();
  });

  it('for await with a timeout throws TimeoutError from the iteration once it passes', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, async () => {
      const a = loop.createTask(() => sleep(0.1, 'a'));
      const b = loop.createTask(() => sleep(0.15, 'b'));
      const values: unknown[] = [];
      try {
        for await (const f of asCompleted([a, b], { timeout: 0.12 })) values.push((f as Future<unknown>).result());
      } catch (e) {
        values.push(`${(e as Error).name}@${loop.time()}`);
      }
      b.cancel();
      return values;
    });
    expect(out).toEqual(['a', 'TimeoutError@0.12']);
    loop.close();
  });
});
