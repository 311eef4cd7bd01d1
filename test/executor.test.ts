/** loop.runInExecutor: the default worker pool (workerpool: real worker threads), custom executors, cancellation, bad input. */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, WorkerPoolExecutor, newEventLoop, type Executor } from '../bindings/index.js';
import { CORES } from './helpers.js';

describe.each(CORES)('runInExecutor (%s core)', (core) => {
  it('runs a function in the default worker pool, in another thread, and returns a Future of its result', async () => {
    const loop = newEventLoop({ core });
    const fut = loop.runInExecutor(
      null,
      (a: number, b: number) => {
        // runs in a worker: a global of the worker, not of this thread
        const wt = (globalThis as any).process.getBuiltinModule('node:worker_threads');
        return { sum: a + b, mainThread: wt.isMainThread };
      },
      2,
      3,
    );
    expect(fut.done()).toBe(false);
    expect(await loop.runUntilComplete(fut)).toEqual({ sum: 5, mainThread: false });
    await loop.shutdownDefaultExecutor();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(new RuntimeError('Executor shutdown has been called'));
    loop.close();
  });

  it('an error thrown in the worker becomes the Future exception', async () => {
    const loop = newEventLoop({ core });
    const fut = loop.runInExecutor(null, (msg: string) => {
      throw new TypeError(msg);
    }, 'bad arg');
    await expect(loop.runUntilComplete(fut)).rejects.toThrow('bad arg');
    expect((fut.exception() as Error).message).toBe('bad arg');
    loop.close(); // shuts the default pool down, as asyncio's close() does
  });

  it('the default pool is sized to the cores, and calls run in parallel', async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor();
    expect(pool.maxWorkers).toBe(availableParallelism());
    loop.setDefaultExecutor(pool);
    const spin = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end);
      return (globalThis as any).process.getBuiltinModule('node:worker_threads').threadId;
    };
    const futs = Array.from({ length: pool.maxWorkers }, () => loop.runInExecutor(null, spin, 200));
    const ids = await loop.runUntilComplete(Promise.all(futs));
    expect(ids.every((id) => typeof id === 'number' && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(pool.maxWorkers); // each call had a worker of its own
    await pool.shutdown();
    loop.close();
  });

  it('cancelling the Future cancels the call in the pool', async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const fut = loop.runInExecutor(pool, () => {
      for (;;); // never returns: only ending its worker frees the pool's one worker
    });
    loop.callLater(0.05, () => fut.cancel());
    await expect(loop.runUntilComplete(fut)).rejects.toBeInstanceOf(CancelledError);
    expect(await loop.runUntilComplete(loop.runInExecutor(pool, () => 'next'))).toBe('next');
    await pool.shutdown(false);
    loop.close();
  });

  it('takes any executor with submit(fn, args)', async () => {
    const loop = newEventLoop({ core, clock: 'virtual' });
    const calls: unknown[] = [];
    const inline: Executor = {
      submit(fn, args) {
        calls.push(args);
        return Promise.resolve((fn as (...a: unknown[]) => unknown)(...args));
      },
    };
    expect(await loop.runUntilComplete(loop.runInExecutor(inline, (x: number) => x * 3, 7))).toBe(21);
    expect(calls).toEqual([[7]]);
    loop.close();
  });

  it('refuses what cannot be shipped, and bad executors, at the call site', () => {
    const loop = newEventLoop({ core });
    expect(() => loop.runInExecutor(null, 5 as never)).toThrow(TypeError);
    expect(() => loop.runInExecutor(null, '')).toThrow(TypeError);
    expect(() => loop.runInExecutor(null, Math.sqrt, 4)).toThrow(/ships a function by its source/);
    expect(() => loop.runInExecutor({} as never, () => 1)).toThrow(/submit\(fn, args\)/);
    expect(() => loop.setDefaultExecutor(null as never)).toThrow(TypeError);
    expect(() => new WorkerPoolExecutor({ maxWorkers: 0 })).toThrow(RangeError);
    loop.close();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(new RuntimeError('Event loop is closed'));
  });
});
