/**
 * run(main) as asyncio.run: a new loop runs main as a task; leftover tasks are cancelled and
 * awaited; the loop is closed; it refuses to run inside a running loop.
 */
// proves: §1.6
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, allTasks, createTask, currentTask, getRunningLoop, newEventLoop, run, sleep, type EventLoop, type ExceptionContext } from '../bindings/index.js';
import { CORES } from './helpers.js';

describe.each(CORES)('run() (%s core)', (core) => {
  const opts = { core, clock: 'virtual' as const };

  it('runs a generator main or an async main as a task and returns its result', async () => {
    let loopSeen!: EventLoop;
    const a = await run(function* () {
      loopSeen = getRunningLoop();
      yield* sleep(2);
      return ['gen', currentTask() !== null, loopSeen.time()];
    }, opts);
    expect(a).toEqual(['gen', true, 2]);
    expect(loopSeen.isClosed()).toBe(true);
    const b = await run(async () => {
      await sleep(1);
      return currentTask() !== null;
    }, opts);
    expect(b).toBe(true);
  });

  it('cancels the tasks left over when main returns, and waits for them to finish', async () => {
    const log: string[] = [];
    let loop!: EventLoop;
    const out = await run(async () => {
      loop = getRunningLoop();
      createTask(async () => {
        try {
          await sleep(100);
        } finally {
          log.push(`async cleanup at ${loop.time()}`);
          await sleep(1);
          log.push('async cleanup done');
        }
      });
      createTask(function* () {
        try {
          yield* sleep(100);
        } catch (e) {
          log.push(`generator got ${(e as Error).name}`);
        }
      });
      await sleep(1);
      return 'main done';
    }, opts);
    expect(out).toBe('main done');
    // both were cancelled in the same iteration: the generator runs in it, the async continuation right after
    expect(log).toEqual(['generator got CancelledError', 'async cleanup at 1', 'async cleanup done']);
    expect(allTasks(loop).size).toBe(0);
    expect(loop.isClosed()).toBe(true);
  });

  it('waits for the calls still running in the default executor before closing the loop', async () => {
    const log: string[] = [];
    let finish!: (v: string) => void;
    const executor = {
      submit: () => new Promise<string>((r) => (finish = r)),
      shutdown: async (wait: boolean) => {
        log.push(`shutdown(${wait})`);
        await new Promise((r) => setTimeout(r, 1));
        finish('late result');
        log.push('running call finished');
      },
    };
    let loop!: EventLoop;
    await run(function* () {
      loop = getRunningLoop();
      loop.setDefaultExecutor(executor);
      loop.runInExecutor(null, () => 'never awaited');
      log.push('main done');
    }, opts);
    log.push(`run() returned, loop closed: ${loop.isClosed()}`);
    expect(log).toEqual(['main done', 'shutdown(true)', 'running call finished', 'run() returned, loop closed: true']);
  });

  it('a leftover task failing during shutdown is reported to the exception handler', async () => {
    const reports: ExceptionContext[] = [];
    await run(function* () {
      getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
      createTask(function* () {
        try {
          yield* sleep(10);
        } catch {
          throw new RangeError('failed while cancelled');
        }
      });
      yield;
    }, opts);
    expect(reports.map((r) => [r.message, (r.exception as Error).message])).toEqual([['unhandled exception during run() shutdown', 'failed while cancelled']]);
  });

  it('an exception of main comes out of run(), after the cleanup', async () => {
    let cleaned = false;
    let loop!: EventLoop;
    const err = await run(function* () {
      loop = getRunningLoop();
      createTask(function* () {
        try {
          yield* sleep(10);
        } finally {
          cleaned = true;
        }
      });
      yield;
      throw new TypeError('main failed');
    }, opts).catch((e) => e);
    expect(err).toEqual(new TypeError('main failed'));
    expect(cleaned).toBe(true);
    expect(loop.isClosed()).toBe(true);
  });

  it('main cancelled: run() rejects with CancelledError', async () => {
    await expect(
      run(async () => {
        currentTask()!.cancel();
        await sleep(1);
      }, opts),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it('refuses to run inside a running loop, and refuses a Future', async () => {
    const outer = run(async () => {
      let err: unknown;
      const gen = (function* () {
        yield;
      })();
      await run(gen, opts).catch((e) => (err = e));
      // the generator was closed, as asyncio closes a refused coroutine
      expect(gen.next().done).toBe(true);
      return err;
    }, opts);
    expect(await outer).toEqual(new RuntimeError('run() cannot be called from a running event loop'));
    const loopless = await run(() => 1, opts);
    expect(loopless).toBe(1);
    const l = newEventLoop(opts);
    await expect(run(l.createFuture() as never, opts)).rejects.toThrow(TypeError);
    l.close();
  });
});
