/**
 * loop.runInExecutor: the default worker pool (real workers: worker_threads in Node, module Web
 * Workers in browsers, Deno and Bun), custom executors, cancellation, bad input. Portable: `npm
 * test` runs it in every host. What a shipped function reports about where it ran it learns from
 * its own global: a worker's global is not the test's.
 */
// proves: §7.1
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, WorkerPoolExecutor, newEventLoop, type Executor } from '../bindings/index.js';
import { CORES } from './helpers.js';

const g = globalThis as any;
g.__executorTestRealm = 'main';
afterAll(() => {
  delete g.__executorTestRealm;
});

/** The host's logical processors, asked of the host directly (not through the library). */
function cores(): number {
  return g.navigator?.hardwareConcurrency ?? g.process.getBuiltinModule('node:os').availableParallelism();
}

/**
 * A module for named calls, as a data: URL (every host imports those, wherever the test bundle
 * lives); base64, because Bun 1.4 imports some percent-encoded data: modules as a string.
 */
const TASKS = `data:text/javascript;base64,${btoa(`
export const triple = (x) => x * 3;
export async function later(x) { await new Promise((r) => setTimeout(r, 5)); return { x, realm: globalThis.__executorTestRealm ?? 'worker' }; }
export function fail(msg) { throw new RangeError(msg); }
export const notAFunction = 1;
`)}`;

describe.each(CORES)('runInExecutor (%s core)', (core) => {
  it('runs a function in the default worker pool, in a worker, and returns a Future of its result', async () => {
    const loop = newEventLoop({ core });
    const fut = loop.runInExecutor(
      null,
      (a: number, b: number) => ({ sum: a + b, realm: (globalThis as any).__executorTestRealm ?? 'worker', hasDocument: 'document' in globalThis }),
      2,
      3,
    );
    expect(fut.done()).toBe(false);
    expect(await loop.runUntilComplete(fut)).toEqual({ sum: 5, realm: 'worker', hasDocument: false });
    await loop.shutdownDefaultExecutor();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(new RuntimeError('Executor shutdown has been called'));
    loop.close();
  });

  it('an error thrown in the worker becomes the Future exception, of its class', async () => {
    const loop = newEventLoop({ core });
    const fut = loop.runInExecutor(null, (msg: string) => {
      throw new TypeError(msg);
    }, 'bad arg');
    await expect(loop.runUntilComplete(fut)).rejects.toThrow('bad arg');
    expect(fut.exception()).toBeInstanceOf(TypeError);
    expect((fut.exception() as Error).message).toBe('bad arg');
    loop.close(); // shuts the default pool down, as asyncio's close() does
  });

  it('the default pool is sized to the cores, and calls run in parallel, each in a worker of its own', async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor();
    expect(pool.maxWorkers).toBe(cores());
    loop.setDefaultExecutor(pool);
    const spin = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end);
      return ((globalThis as any).__workerId ??= Math.random());
    };
    const futs = Array.from({ length: pool.maxWorkers }, () => loop.runInExecutor(null, spin, 200));
    const ids = await loop.runUntilComplete(Promise.all(futs));
    expect(new Set(ids).size).toBe(pool.maxWorkers); // no call waited for another's worker
    await pool.shutdown();
    loop.close();
  });

  it('cancelling the Future ends the running call; its worker is replaced', async () => {
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

  it('calls wait for a free worker in order; a waiting call cancelled never runs', async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const first = loop.runInExecutor(pool, () => ((globalThis as any).__log ??= []).push('first'));
    const second = loop.runInExecutor(pool, () => ((globalThis as any).__log ??= []).push('second'));
    const third = loop.runInExecutor(pool, () => ((globalThis as any).__log ??= []).push('third') && (globalThis as any).__log);
    second.cancel();
    expect(await loop.runUntilComplete(third)).toEqual(['first', 'third']);
    expect(first.result()).toBe(1);
    expect(second.cancelled()).toBe(true);
    await pool.shutdown();
    loop.close();
  });

  it('shutdown(true) waits for running and waiting calls; shutdown(false) cancels them', async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const slow = (x: number) => new Promise((r) => setTimeout(() => r(x), 30));
    const a = loop.runInExecutor(pool, slow, 1);
    const b = loop.runInExecutor(pool, slow, 2);
    await loop.runUntilComplete(pool.shutdown(true));
    expect([a.result(), b.result()]).toEqual([1, 2]);
    expect(() => loop.runInExecutor(pool, slow, 3)).toThrow(new RuntimeError('cannot schedule new futures after shutdown'));

    const pool2 = new WorkerPoolExecutor({ maxWorkers: 1 });
    const c = loop.runInExecutor(pool2, slow, 1);
    const d = loop.runInExecutor(pool2, slow, 2);
    await loop.runUntilComplete(pool2.shutdown(false));
    await expect(loop.runUntilComplete(c)).rejects.toBeInstanceOf(CancelledError);
    await expect(loop.runUntilComplete(d)).rejects.toBeInstanceOf(CancelledError);
    loop.close();
  });

  it("calls a pool module's named exports by name, awaiting what they return", async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor({ maxWorkers: 2, script: new URL(TASKS) });
    expect(await loop.runUntilComplete(loop.runInExecutor(pool, 'triple', 7))).toBe(21);
    expect(await loop.runUntilComplete(loop.runInExecutor(pool, 'later', 'x'))).toEqual({ x: 'x', realm: 'worker' });
    const failed = loop.runInExecutor(pool, 'fail', 'no');
    await expect(loop.runUntilComplete(failed)).rejects.toThrow('no');
    expect(failed.exception()).toBeInstanceOf(RangeError);
    const missing = loop.runInExecutor(pool, 'notAFunction');
    await expect(loop.runUntilComplete(missing)).rejects.toThrow("exports no function named 'notAFunction'");
    // source-shipped functions work in the same pool
    expect(await loop.runUntilComplete(loop.runInExecutor(pool, (s: string) => s.toUpperCase(), 'ok'))).toBe('OK');
    await pool.shutdown();
    loop.close();
  });

  it('arguments or results that cannot be cloned fail that call only', async () => {
    const loop = newEventLoop({ core });
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const badArg = loop.runInExecutor(pool, (f: unknown) => typeof f, () => 1);
    await expect(loop.runUntilComplete(badArg)).rejects.toThrow();
    const badResult = loop.runInExecutor(pool, () => () => 1);
    await expect(loop.runUntilComplete(badResult)).rejects.toThrow('the result could not be sent back');
    expect(await loop.runUntilComplete(loop.runInExecutor(pool, () => 'still fine'))).toBe('still fine');
    await pool.shutdown();
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
    expect(() => loop.runInExecutor(null, 'triple', 4)).toThrow(/has no module to find it in/);
    expect(() => loop.runInExecutor({} as never, () => 1)).toThrow(/submit\(fn, args\)/);
    expect(() => loop.setDefaultExecutor(null as never)).toThrow(TypeError);
    expect(() => new WorkerPoolExecutor({ maxWorkers: 0 })).toThrow(RangeError);
    expect(() => new WorkerPoolExecutor({ script: 5 as never })).toThrow(TypeError);
    loop.close();
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(new RuntimeError('Event loop is closed'));
  });
});
