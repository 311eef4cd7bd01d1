/**
 * Cancellation, in generator tasks and in async-function tasks side by side: cancel while
 * waiting, before the start, twice with messages, a task that catches and continues, uncancel(),
 * cancel racing a completion, cancel reaching awaited tasks and helpers.
 */
// proves: §6.2, §6.3
import { describe, expect, it } from 'vitest';
import { CancelledError, Queue, currentTask, ensureFuture, sleep, type Future, type Task } from '../bindings/index.js';
import { CORES, iterations, vloop } from './helpers.js';

describe.each(CORES)('cancelling generator tasks (%s core)', (core) => {
  it('cancel while waiting: CancelledError at the yield*, finally blocks run, the future is cancelled', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const f = loop.createFuture();
    const t = loop.createTask(function* () {
      try {
        yield* f;
      } finally {
        log.push(`finally at ${loop.time()}`);
      }
    });
    loop.callLater(2, () => expect(t.cancel()).toBe(true));
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(t.cancelled()).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(log).toEqual(['finally at 2']);
    expect(t.cancel()).toBe(false);
    loop.close();
  });

  it('cancel before the first step: the generator never runs', async () => {
    const loop = vloop(core);
    let ran = false;
    const t = loop.createTask(function* () {
      ran = true;
    });
    t.cancel('early');
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('early'));
    expect(ran).toBe(false);
    loop.close();
  });

  it('cancel(msg) twice: the first message reaches the task, cancelling() counts both', async () => {
    const loop = vloop(core);
    let caught: unknown;
    const t = loop.createTask(function* () {
      try {
        yield* sleep(10);
      } catch (e) {
        caught = e;
        throw e;
      }
    });
    await iterations(loop, 1);
    expect(t.cancel('first')).toBe(true);
    expect(t.cancel('second')).toBe(true);
    expect(t.cancelling()).toBe(2);
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('first'));
    expect((caught as Error).message).toBe('first');
    expect(() => t.result()).toThrow(new CancelledError('first'));
    loop.close();
  });

  it('a task that catches CancelledError and continues finishes normally; uncancel() withdraws the request', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    const t: Task<string> = loop.createTask(function* () {
      try {
        yield* sleep(10);
      } catch (e) {
        log.push(['caught', (e as Error).message, t.cancelling()]);
        log.push(['uncancel', t.uncancel()]);
      }
      yield* sleep(1);
      return 'survived';
    });
    loop.callLater(1, () => t.cancel('stop'));
    expect(await loop.runUntilComplete(t)).toBe('survived');
    expect(t.cancelled()).toBe(false);
    expect(loop.time()).toBe(2);
    expect(log).toEqual([
      ['caught', 'stop', 1],
      ['uncancel', 0],
    ]);
    loop.close();
  });

  it('uncancel() before the task resumes drops a pending cancellation', async () => {
    const loop = vloop(core);
    const t = loop.createTask(function* () {
      yield;
      return 'ran';
    });
    t.cancel();
    expect(t.cancelling()).toBe(1);
    expect(t.uncancel()).toBe(0);
    expect(t.uncancel()).toBe(0);
    expect(await loop.runUntilComplete(t)).toBe('ran');
    loop.close();
  });

  it('a task that cancels itself gets CancelledError at its next suspension', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const t = loop.createTask(function* () {
      currentTask()!.cancel();
      log.push('still running');
      try {
        yield* sleep(5);
      } catch (e) {
        log.push(`${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(log).toEqual(['still running', 'CancelledError at 0']);
    loop.close();
  });

  it('cancelled right before it returns, the task ends cancelled', async () => {
    const loop = vloop(core);
    const t: Task<string> = loop.createTask(function* () {
      yield;
      t.cancel('late');
      return 'value';
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('late'));
    loop.close();
  });

  it('cancel after the awaited future completed but before the task resumed throws CancelledError instead of the result', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    let got: unknown = 'nothing';
    const t = loop.createTask(function* () {
      try {
        got = yield* f;
      } catch (e) {
        got = e;
        throw e;
      }
    });
    await iterations(loop, 1);
    loop.callSoon(() => {
      f.setResult('value');
      t.cancel(); // f is done: it cannot be cancelled; the task's wake-up carries the cancellation
    });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(got).toBeInstanceOf(CancelledError);
    expect(f.result()).toBe('value');
    loop.close();
  });

  it('cancelling a task that awaits another task cancels that one too', async () => {
    const loop = vloop(core);
    const inner = loop.createTask(function* () {
      yield* sleep(10);
    });
    const outer = loop.createTask(function* () {
      yield* inner;
    });
    loop.callLater(1, () => outer.cancel('down'));
    await expect(loop.runUntilComplete(outer)).rejects.toThrow(new CancelledError('down'));
    expect(inner.cancelled()).toBe(true);
    loop.close();
  });

  it('a cancelled sleep drops its timer', async () => {
    const loop = vloop(core);
    const t = loop.createTask(function* () {
      yield* sleep(1000);
    });
    await iterations(loop, 1);
    expect(loop._core.timerCount()).toBe(1);
    t.cancel();
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(loop.time()).toBe(0);
    loop.close();
  });
});

describe.each(CORES)('cancelling async-function tasks (%s core)', (core) => {
  it('cancel while awaiting a wasmloop awaitable: CancelledError at the await, finally blocks run', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const t = loop.createTask(async () => {
      try {
        await sleep(10);
      } finally {
        log.push(`finally at ${loop.time()}`);
      }
    });
    loop.callLater(2, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(t.cancelled()).toBe(true);
    expect(log).toEqual(['finally at 2']);
    loop.close();
  });

  it('cancel reaches a future, a task, a queue and a helper async function the task awaits', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const q = new Queue();
    const child = loop.createTask(async () => sleep(50));
    async function helper() {
      await sleep(1);
      await sleep(100);
    }
    const reached: string[] = [];
    const make = (name: string, wait: () => Promise<unknown>) =>
      loop.createTask(async () => {
        try {
          await wait();
        } catch (e) {
          if (e instanceof CancelledError) reached.push(name);
          throw e;
        }
      });
    const tasks = [make('future', async () => f), make('task', async () => child), make('queue', () => q.get() as never), make('helper', helper)];
    // the same, awaited directly rather than through a wrapper function
    tasks.push(
      loop.createTask(async () => {
        try {
          await f;
        } catch (e) {
          reached.push('direct future');
          throw e;
        }
      }),
    );
    loop.callLater(5, () => tasks.forEach((t) => t.cancel()));
    for (const t of tasks) await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(reached.sort()).toEqual(['direct future', 'future', 'helper', 'queue', 'task']);
    expect(loop.time()).toBe(5);
    expect(child.cancelled()).toBe(true);
    loop.close();
  });

  it('cancel before the first step: the function is never called', async () => {
    const loop = vloop(core);
    let ran = false;
    const t = loop.createTask(async () => {
      ran = true;
    });
    t.cancel('early');
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('early'));
    expect(ran).toBe(false);
    loop.close();
  });

  it('cancel(msg) twice: the first message reaches the task, cancelling() counts both', async () => {
    const loop = vloop(core);
    const t = loop.createTask(async () => {
      await sleep(10);
    });
    loop.callLater(1, () => {
      t.cancel('first');
      t.cancel('second');
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('first'));
    expect(t.cancelling()).toBe(2);
    loop.close();
  });

  it('a task that catches CancelledError, uncancels and continues finishes normally', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    const t: Task<string> = loop.createTask(async () => {
      try {
        await sleep(10);
      } catch (e) {
        log.push(['caught', (e as Error).message, t.cancelling(), loop.time()]);
        t.uncancel();
      }
      await sleep(1);
      log.push(['resumed', loop.time(), currentTask() === t]);
      return 'survived';
    });
    loop.callLater(1, () => t.cancel('stop'));
    expect(await loop.runUntilComplete(t)).toBe('survived');
    expect(log).toEqual([
      ['caught', 'stop', 1, 1],
      ['resumed', 2, true],
    ]);
    loop.close();
  });

  it('a task that cancels itself gets CancelledError at its next wasmloop await', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const t = loop.createTask(async () => {
      currentTask()!.cancel();
      log.push('still running');
      try {
        await sleep(5);
      } catch (e) {
        log.push(`${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(log).toEqual(['still running', 'CancelledError at 0']);
    loop.close();
  });

  it('cancelled right before it returns, the task ends cancelled', async () => {
    const loop = vloop(core);
    const t: Task<string> = loop.createTask(async () => {
      await sleep(1);
      t.cancel('late');
      return 'value';
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new CancelledError('late'));
    loop.close();
  });

  it('cancel after the awaited future completed but before the task resumed throws CancelledError instead of the result', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    let got: unknown = 'nothing';
    const t = loop.createTask(async () => {
      try {
        got = await f;
      } catch (e) {
        got = e;
        throw e;
      }
    });
    await iterations(loop, 2);
    loop.callSoon(() => {
      f.setResult('value');
      t.cancel();
    });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(got).toBeInstanceOf(CancelledError);
    loop.close();
  });

  it('after a foreign promise the task is unknown: cancel() takes effect only when it finishes', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    let release!: () => void;
    const foreign = new Promise<void>((r) => (release = r));
    const t: Task<void> = loop.createTask(async () => {
      await foreign; // resumed by the host, not by the loop: the task is not known here
      log.push(['after foreign', currentTask()]);
      try {
        await sleep(10);
      } catch (e) {
        log.push(['cancelled at', loop.time()]);
        throw e;
      }
    });
    loop.callLater(1, () => release());
    loop.callLater(3, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    // documented limit: the task was unknown after the foreign await, so the cancellation
    // could only be kept and applied when the task finished
    expect(log).toEqual([['after foreign', null]]);
    expect(loop.time()).toBe(11);
    loop.close();
  });

  it('awaiting a foreign promise through ensureFuture keeps the task known', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    let release!: () => void;
    const foreign = new Promise<void>((r) => (release = r));
    const t: Task<void> = loop.createTask(async () => {
      await ensureFuture(foreign);
      log.push(['after foreign', currentTask() === t]);
      try {
        await sleep(10);
      } catch (e) {
        log.push(['cancelled at', loop.time()]);
        throw e;
      }
    });
    loop.callLater(1, () => release());
    loop.callLater(3, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(log).toEqual([
      ['after foreign', true],
      ['cancelled at', 3],
    ]);
    loop.close();
  });

  it('generator and async tasks awaiting each other pass cancellation both ways', async () => {
    const loop = vloop(core);
    const g = loop.createTask(function* () {
      yield* sleep(10);
    });
    const a = loop.createTask(async () => {
      await g;
    });
    const a2 = loop.createTask(async () => {
      await sleep(10);
    });
    const g2 = loop.createTask(function* () {
      yield* a2;
    });
    loop.callLater(1, () => {
      a.cancel();
      g2.cancel();
    });
    for (const t of [a, g, g2, a2] as Future<unknown>[]) await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    loop.close();
  });
});
