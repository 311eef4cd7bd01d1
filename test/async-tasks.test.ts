/**
 * API.md §6, async functions and promises as tasks: they start in the task's step, interleave with
 * loop iterations, and — after each wasmloop await — run as the task (currentTask, context,
 * cancellation). What differs from generator tasks is pinned down here, next to the README's
 * "Generator tasks and async-function tasks".
 */
// proves: §6.2
import { describe, expect, it } from 'vitest';
import { CancelledError, ContextVar, Future, Queue, RuntimeError, Task, createTask, currentTask, ensureFuture, gather, sleep } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('async-function tasks (%s core)', (core) => {
  it('the function is called in the task step at the next iteration, as the current task', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    const t: Task<string> = loop.createTask(async () => {
      log.push(['first segment', currentTask() === t]);
      return 'done';
    });
    expect(log).toEqual([]);
    expect(await loop.runUntilComplete(t)).toBe('done');
    expect(log).toEqual([['first segment', true]]);
    loop.close();
  });

  it('after each wasmloop await the task is current again, at the right virtual time', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    const q = new Queue<string>();
    const t: Task<void> = loop.createTask(async () => {
      await sleep(1);
      log.push(['sleep', loop.time(), currentTask() === t]);
      log.push(['queue', await q.get(), currentTask() === t]);
      const child = createTask(async () => 'child');
      log.push(['task', await child, currentTask() === t]);
      log.push(['gather', await gather(sleep(1, 'a'), sleep(2, 'b')), loop.time(), currentTask() === t]);
    });
    loop.callLater(5, () => q.putNowait('item'));
    await loop.runUntilComplete(t);
    expect(log).toEqual([
      ['sleep', 1, true],
      ['queue', 'item', true],
      ['task', 'child', true],
      ['gather', ['a', 'b'], 7, true],
    ]);
    loop.close();
  });

  it('a helper async function runs as the task; after it returns, the caller is unknown unless it awaited through ensureFuture', async () => {
    const loop = vloop(core);
    const seen: unknown[] = [];
    async function helper() {
      await sleep(1);
      seen.push(['in helper', currentTask() === t]);
      return 3;
    }
    const t: Task<void> = loop.createTask(async () => {
      const a = await helper(); // resumed by the helper's promise: the host, not the loop
      seen.push(['after await helper()', a, currentTask()]);
      const b = await ensureFuture<number>(helper()); // resumed by a wasmloop Future
      seen.push(['after await ensureFuture(helper())', b, currentTask() === t]);
    });
    await loop.runUntilComplete(t);
    expect(seen).toEqual([
      ['in helper', true],
      ['after await helper()', 3, null],
      ['in helper', false],
      ['after await ensureFuture(helper())', 3, false],
    ]);
    // from a known segment, the same works
    const seen2: unknown[] = [];
    const u: Task<void> = loop.createTask(async () => {
      const b = await ensureFuture<number>(helper());
      seen2.push([b, currentTask() === u]);
      const c = await ensureFuture<number>(helper());
      seen2.push([c, currentTask() === u]);
    });
    await loop.runUntilComplete(u);
    expect(seen2).toEqual([
      [3, true],
      [3, true],
    ]);
    loop.close();
  });

  it('cancel reaches a helper awaited through ensureFuture, and comes back through it', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    async function helper() {
      try {
        await sleep(10);
      } catch (e) {
        log.push(`helper got ${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    }
    const t = loop.createTask(async () => {
      try {
        await ensureFuture(helper());
      } catch (e) {
        log.push(`task got ${(e as Error).name}`);
        throw e;
      }
    });
    loop.callLater(2, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(log).toEqual(['helper got CancelledError at 2', 'task got CancelledError']);
    loop.close();
  });

  it('after awaiting a foreign promise the task is not known until it ends', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    const t: Task<void> = loop.createTask(async () => {
      await Promise.resolve();
      log.push(currentTask());
      await sleep(1);
      log.push(currentTask());
    });
    await loop.runUntilComplete(t);
    expect(log).toEqual([null, null]);
    loop.close();
  });

  it('async tasks interleave with loop iterations and with generator tasks', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    loop.createTask(async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`async ${i}`);
        await sleep(0);
      }
    });
    const g = loop.createTask(function* () {
      for (let i = 0; i < 3; i++) {
        log.push(`gen ${i}`);
        yield* sleep(0);
      }
    });
    await loop.runUntilComplete(g);
    await iterations(loop, 2);
    // both give up one iteration per sleep(0); the async continuation runs after the iteration's
    // callbacks (in the microtasks the loop lets run between iterations), the generator in them
    expect(log).toEqual(['async 0', 'gen 0', 'gen 1', 'async 1', 'gen 2', 'async 2']);
    loop.close();
  });

  it('every await sleep(0) gives up exactly one iteration, also from a continuation and through a helper', async () => {
    const loop = vloop(core);
    let iteration = 0;
    const count = () => {
      iteration++;
      loop.callSoon(count);
    };
    loop.callSoon(count);
    const stamps: Record<string, number[]> = { gen: [], async: [], helper: [], late: [] };
    const started = loop.createFuture();
    const helper = async () => {
      await sleep(0);
    };
    const tasks = [
      loop.createTask(function* () {
        for (let i = 0; i < 5; i++) {
          stamps.gen!.push(iteration);
          yield* sleep(0);
        }
      }),
      loop.createTask(async () => {
        for (let i = 0; i < 5; i++) {
          stamps.async!.push(iteration);
          await sleep(0);
        }
      }),
      loop.createTask(async () => {
        for (let i = 0; i < 5; i++) {
          stamps.helper!.push(iteration);
          await ensureFuture(helper()); // a helper awaited through ensureFuture keeps the task known
        }
      }),
      loop.createTask(async () => {
        await started; // done already: resumes at once (asyncio does not suspend either), in a continuation
        for (let i = 0; i < 5; i++) {
          stamps.late!.push(iteration);
          await sleep(0);
        }
      }),
    ];
    started.setResult(undefined);
    await loop.runUntilComplete(gather(...tasks));
    // one iteration apart, as asyncio's tasks would be: the lag of an async continuation is
    // within the iteration (it runs after the callbacks), never a whole iteration. Through the
    // helper, two: its sleep(0) resumes it at the next iteration, and the Future wrapping its
    // promise then resumes the caller at the one after, as any Future completed by other code does
    expect(stamps).toEqual({ gen: [1, 2, 3, 4, 5], async: [1, 2, 3, 4, 5], helper: [1, 3, 5, 7, 9], late: [1, 2, 3, 4, 5] });
    loop.close();
  });

  it('contextvars: the task sees its own context after wasmloop awaits; the caller never sees its changes', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'base' });
    const log: string[] = [];
    const t = loop.createTask(async () => {
      v.set('task');
      await sleep(1);
      log.push(v.get());
      v.set('task again');
      await sleep(1);
      log.push(v.get());
    });
    loop.callLater(1.5, () => log.push(`callback ${v.get()}`));
    await loop.runUntilComplete(t);
    expect(log).toEqual(['task', 'callback base', 'task again']);
    expect(v.get()).toBe('base');
    expect(t.getContext().get(v)).toBe('task again');
    loop.close();
  });

  it('an exception thrown by the function fails the task, even one that is not an Error', async () => {
    const loop = vloop(core);
    const err = new TypeError('x');
    const a = loop.createTask(async () => {
      await sleep(1);
      throw err;
    });
    const b = loop.createTask(async () => {
      throw 'a string';
    });
    await expect(loop.runUntilComplete(a)).rejects.toBe(err);
    await expect(loop.runUntilComplete(b)).rejects.toBe('a string');
    expect(b.exception()).toBe('a string');
    loop.close();
  });

  it('createTask accepts a function returning a value, a generator or a Future', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    loop.callLater(1, () => f.setResult('from future'));
    const a = loop.createTask(() => 5);
    const b = loop.createTask(function () {
      return (function* () {
        yield;
        return 'gen';
      })();
    });
    const c = loop.createTask(() => f);
    expect(await loop.runUntilComplete(gather(a, b, c))).toEqual([5, 'gen', 'from future']);
    loop.close();
  });

  it('createTask and ensureFuture accept a promise: the task or future follows its outcome', async () => {
    const loop = vloop(core);
    let resolve!: (v: string) => void;
    const p = new Promise<string>((r) => (resolve = r));
    const t = loop.createTask(p);
    const f = ensureFuture<string>(Promise.reject(new Error('no')), { loop });
    expect(f).toBeInstanceOf(Future);
    expect(f).not.toBeInstanceOf(Task);
    loop.callLater(2, () => resolve('yes'));
    expect(await loop.runUntilComplete(t)).toBe('yes');
    expect(loop.time()).toBe(2);
    await expect(loop.runUntilComplete(f)).rejects.toThrow('no');
    loop.close();
  });

  it('ensureFuture: a Future as is, generators and functions become Tasks, anything else is a TypeError', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    expect(ensureFuture(f, { loop })).toBe(f);
    expect(ensureFuture(function* () {}, { loop })).toBeInstanceOf(Task);
    expect(ensureFuture(async () => {}, { loop })).toBeInstanceOf(Task);
    expect(() => ensureFuture(42, { loop })).toThrow(TypeError);
    const other = vloop(core);
    expect(() => ensureFuture(other.createFuture(), { loop })).toThrow(RangeError);
    await iterations(loop, 2);
    loop.close();
    other.close();
  });

  it('a task awaiting itself gets a RuntimeError instead of waiting forever', async () => {
    const loop = vloop(core);
    const t: Task<unknown> = loop.createTask(async () => {
      await sleep(1);
      return await t;
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(/^Task cannot await on itself/);
    loop.close();
  });

  it('a toolkit coroutine can be awaited once; again is a RuntimeError', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    q.putNowait(1);
    const out = await runTask(loop, async () => {
      const c = q.get();
      const first = await c;
      try {
        await c;
      } catch (e) {
        return [first, e instanceof RuntimeError && (e as Error).message];
      }
    });
    expect(out).toEqual([1, 'cannot reuse already awaited coroutine']);
    loop.close();
  });

  it('Promise.all over wasmloop awaitables gives their results (gather keeps the task known)', async () => {
    const loop = vloop(core);
    const t: Task<unknown> = loop.createTask(async () => {
      const all = await Promise.all([sleep(1, 'a'), sleep(2, 'b')]);
      return [all, loop.time()];
    });
    expect(await loop.runUntilComplete(t)).toEqual([['a', 'b'], 2]);
    loop.close();
  });

  it('then() callbacks on a toolkit coroutine see its result', async () => {
    const loop = vloop(core);
    const q = new Queue<number>();
    loop.callLater(1, () => q.putNowait(9));
    expect(await runTask(loop, () => q.get().then((v) => v * 2))).toBe(18);
    // outside a running loop there is nothing to wait on: then() rejects
    await expect(q.get().then((v) => v)).rejects.toThrow(new RuntimeError('no running event loop'));
    loop.close();
  });
});
