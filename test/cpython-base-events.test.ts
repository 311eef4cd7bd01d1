/**
 * CPython's Lib/test/test_asyncio/test_base_events.py, loop-level cases, each named after its
 * original (and a few of test_events.py's run_until_complete cases). What asyncio checks through
 * its private selector and `_ready`/`_scheduled` lists is checked here through behaviour. Both
 * cores, virtual clock. Python's ValueError is wasmloop's RangeError (API.md §9).
 */
// proves: §2.1, §2.2, §2.3, §3.2, §3.4, §3.6, §5.1, §5.2, §9.1
import { describe, expect, it } from 'vitest';
import { EventLoop, Handle, RuntimeError, Task, TimerHandle, ensureFuture, gather, newEventLoop, sleep, type ExceptionContext } from '../bindings/index.js';
import { CORES, captureConsole, iterations, vloop } from './helpers.js';

describe.each(CORES)('test_base_events (%s core)', (core) => {
  it('test_base_events.test_close', async () => {
    const loop = vloop(core);
    expect(loop.isClosed()).toBe(false);
    loop.close();
    expect(loop.isClosed()).toBe(true);
    loop.close(); // more than once
    loop.close();
    const other = vloop(core);
    const f = other.createFuture();
    await expect(loop.runForever()).rejects.toBeInstanceOf(RuntimeError);
    await expect(loop.runUntilComplete(f)).rejects.toBeInstanceOf(RuntimeError);
    other.close();
  });

  it('test_base_events.test_call_soon', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    const cb = () => seen.push('cb');
    const h = loop.callSoon(cb);
    expect(h).toBeInstanceOf(Handle);
    expect(h).not.toBeInstanceOf(TimerHandle);
    expect(seen).toEqual([]);
    await iterations(loop, 1);
    expect(seen).toEqual(['cb']);
    loop.close();
  });

  it('test_base_events.test_call_soon_non_callable', () => {
    const loop = vloop(core);
    expect(() => loop.callSoon(42 as never)).toThrow(TypeError);
    loop.close();
  });

  it('test_base_events.test_call_later', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    const h = loop.callLater(10, () => seen.push(loop.time()));
    expect(h).toBeInstanceOf(TimerHandle);
    expect(h.when()).toBe(10);
    await iterations(loop, 1);
    expect(seen).toEqual([]); // scheduled, not ready
    loop.callLater(11, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([10]);
    loop.close();
  });

  it('test_base_events.test_call_later_negative_delays (API.md: a negative delay acts as 0, so both run in scheduling order)', async () => {
    // asyncio schedules them at now-1 and now-2 and so runs 'b' first; wasmloop's contract
    // clamps a negative delay to 0, and equal deadlines run in scheduling order
    const loop = vloop(core);
    const calls: string[] = [];
    const a = loop.callLater(-1, (x: string) => calls.push(x), 'a');
    const b = loop.callLater(-2, (x: string) => calls.push(x), 'b');
    expect(a.when()).toBe(loop.time());
    expect(b.when()).toBe(loop.time());
    await iterations(loop, 1);
    expect(calls).toEqual(['a', 'b']);
    loop.close();
  });

  it('test_base_events.test_time_and_call_at', async () => {
    const loop = vloop(core);
    const delay = 0.1;
    const when = loop.time() + delay;
    loop.callAt(when, () => loop.stop());
    const t0 = loop.time();
    await loop.runForever();
    expect(loop.time() - t0).toBeCloseTo(delay, 9);
    loop.close();
  });

  it('test_base_events.test_set_debug', () => {
    const loop = vloop(core);
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    loop.close();
  });

  it('test_base_events.test_run_until_complete_type_error', async () => {
    const loop = vloop(core);
    await expect(loop.runUntilComplete('blah' as never)).rejects.toBeInstanceOf(TypeError);
    loop.close();
  });

  it('test_base_events.test_run_until_complete_loop: a future of another loop is a RangeError (ValueError)', async () => {
    const loop = vloop(core);
    const other = vloop(core);
    const task = loop.createFuture();
    await expect(other.runUntilComplete(task)).rejects.toBeInstanceOf(RangeError);
    await expect(other.runUntilComplete(task)).rejects.toThrow('The future belongs to a different loop than the one specified as the loop argument');
    expect(() => other.runUntilCompleteSync(task)).toThrow(RangeError);
    expect(other.isRunning()).toBe(false);
    task.cancel();
    loop.close();
    other.close();
  });

  it('test_events.test_run_until_complete_stopped', async () => {
    const loop = vloop(core);
    const cr = function* () {
      loop.stop();
      yield* sleep(1);
    };
    await expect(loop.runUntilComplete(loop.createTask(cr))).rejects.toThrow('Event loop stopped before Future completed.');
    loop.close();
  });

  it('test_base_events.test_run_forever_pre_stopped', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    loop.callLater(1, () => seen.push(1));
    loop.stop();
    await loop.runForever(); // one iteration, which does not wait for the timer
    expect(loop.time()).toBe(0);
    expect(seen).toEqual([]);
    loop.close();
  });

  it('test_base_events.test_set_exc_handler_invalid', () => {
    const loop = vloop(core);
    expect(() => loop.setExceptionHandler('spam' as never)).toThrow(/A callable object or null/);
    loop.close();
  });

  it('test_base_events.test_set_exc_handler_custom', async () => {
    const loop = vloop(core);
    loop.setDebug(true);
    const zeroError = () => {
      throw new RangeError('division by zero');
    };
    const calls: [EventLoop, ExceptionContext][] = [];
    loop.setExceptionHandler((l, ctx) => void calls.push([l, ctx]));
    const handle = loop.callSoon(zeroError);
    await iterations(loop, 1);
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe(loop);
    expect(calls[0]![1].message).toMatch(/Exception in callback.*zeroError/);
    expect(calls[0]![1].exception).toBeInstanceOf(RangeError);
    expect(calls[0]![1].handle).toBe(handle);
    loop.setExceptionHandler(null);
    const { errors } = await captureConsole(async () => {
      loop.callSoon(zeroError);
      await iterations(loop, 1);
    });
    expect(String(errors[0]![0])).toMatch(/Exception in callback.*zero/);
    expect(calls).toHaveLength(1);
    loop.close();
  });

  it('test_base_events.test_set_exc_handler_broken', async () => {
    const loop = vloop(core);
    loop.callSoon(() => {
      throw new RangeError('division by zero');
    });
    loop.setExceptionHandler(() => {
      throw new TypeError('spam');
    });
    const { errors } = await captureConsole(() => iterations(loop, 1));
    expect(String(errors[0]![0])).toMatch(/Unhandled error in exception handler/);
    expect(errors[0]![1]).toBeInstanceOf(TypeError);
    loop.close();
  });

  it('test_base_events.test_default_exc_handler_broken', async () => {
    let context: ExceptionContext | null = null;
    class Loop extends EventLoop {
      override defaultExceptionHandler(ctx: ExceptionContext): void {
        context = ctx;
        throw new RangeError('spam'); // a buggy default handler
      }
    }
    const loop = new Loop({ core, clock: 'virtual' });
    const zero = () => {
      throw new RangeError('division by zero');
    };
    let { errors } = await captureConsole(async () => {
      loop.callSoon(zero);
      await iterations(loop, 1);
    });
    expect(errors[0]![0]).toBe('Exception in default exception handler');
    loop.setExceptionHandler(() => {
      throw new RangeError('ham');
    });
    context = null;
    ({ errors } = await captureConsole(async () => {
      loop.callSoon(zero);
      await iterations(loop, 1);
    }));
    expect(String(errors[0]![0])).toMatch(/Exception in default exception.*while handling.*in custom/);
    // the original context reached the default handler
    expect(((context as ExceptionContext | null)?.context as ExceptionContext).exception).toBeInstanceOf(RangeError);
    loop.close();
  });

  it('test_base_events.test_default_exc_handler_callback', async () => {
    const loop = vloop(core);
    const zeroError = (fut: { setResult(v: boolean): void }) => {
      fut.setResult(true);
      throw new RangeError('division by zero');
    };
    for (const schedule of [(f: unknown) => loop.callSoon(zeroError, f as never), (f: unknown) => loop.callLater(0.01, zeroError, f as never)]) {
      const { errors } = await captureConsole(async () => {
        const fut = loop.createFuture<boolean>();
        schedule(fut);
        fut.addDoneCallback(() => loop.stop());
        await loop.runForever();
      });
      expect(String(errors[0]![0])).toMatch(/Exception in callback.*zero/);
      expect(errors[0]![1]).toBeInstanceOf(RangeError);
    }
    loop.close();
  });

  it('test_base_events.test_set_task_factory_invalid', () => {
    const loop = vloop(core);
    expect(() => loop.setTaskFactory(1 as never)).toThrow(TypeError);
    expect(loop.getTaskFactory()).toBe(null);
    loop.close();
  });

  it('test_base_events.test_set_task_factory', async () => {
    const loop = vloop(core);
    class MyTask<T> extends Task<T> {}
    const coro = function* () {};
    const factory = (l: EventLoop, c: unknown) => new MyTask(c as Generator, { loop: l });
    expect(loop.getTaskFactory()).toBe(null);
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    let task = loop.createTask(coro());
    expect(task).toBeInstanceOf(MyTask);
    await loop.runUntilComplete(task);
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBe(null);
    task = loop.createTask(coro());
    expect(task).toBeInstanceOf(Task);
    expect(task).not.toBeInstanceOf(MyTask);
    await loop.runUntilComplete(task);
    loop.close();
  });

  it('test_base_events.test_create_named_task_with_default_factory', async () => {
    const loop = vloop(core);
    const task = loop.createTask(function* () {}, { name: 'test_task' });
    expect(task.getName()).toBe('test_task');
    await loop.runUntilComplete(task);
    loop.close();
  });

  it('test_base_events.test_create_named_task_with_custom_factory: a factory that ignores the name still gets it', async () => {
    const loop = vloop(core);
    // the factory takes no name: create_task sets it afterwards
    loop.setTaskFactory((l, c) => new Task(c, { loop: l }));
    const task = loop.createTask(function* () {}, { name: 'test_task' });
    expect(task.getName()).toBe('test_task');
    await loop.runUntilComplete(task);
    const unnamed = loop.createTask(function* () {});
    expect(unnamed.getName()).toMatch(/^Task-\d+$/);
    await loop.runUntilComplete(unnamed);
    loop.close();
  });

  it('test_base_events.test_create_task: ensureFuture and gather go through a loop subclass createTask', async () => {
    class MyTask<T> extends Task<T> {}
    class MyLoop extends EventLoop {
      override createTask<T>(coro: Generator<unknown, T, any> | PromiseLike<T> | (() => unknown)): Task<T> {
        return new MyTask<T>(coro as Generator<unknown, T, any>, { loop: this });
      }
    }
    const loop = new MyLoop({ core, clock: 'virtual' });
    const task = ensureFuture(function* () {}, { loop });
    expect(task).toBeInstanceOf(MyTask);
    const g = loop.createTask(function* () {
      return yield* gather(function* () {
        return 1;
      });
    });
    expect(await loop.runUntilComplete(g)).toEqual([1]);
    await loop.runUntilComplete(task);
    loop.close();
  });

  it('test_base_events.RunningLoopTests.test_running_loop_within_a_loop', async () => {
    const loop = vloop(core);
    const outer = vloop(core);
    await expect(
      outer.runUntilComplete(
        outer.createTask(async () => {
          await loop.runForever();
        }),
      ),
    ).rejects.toThrow(/while another loop is running/);
    expect(loop.isRunning()).toBe(false);
    loop.close();
    outer.close();
  });

  it('test_base_events.test_log_slow_callbacks: a slow task step names the task and its real duration', async () => {
    const loop = newEventLoop({ core, clock: 'virtual', debug: true });
    loop.slowCallbackDuration = 0.0;
    const stopLoopCb = (l: EventLoop) => l.stop();
    let { warnings } = await captureConsole(async () => {
      loop.callSoon(stopLoopCb, loop);
      await loop.runForever();
    });
    expect(String(warnings.at(-1)![0])).toMatch(/^Executing <Handle.*stopLoopCb.*> took .* seconds/);
    // a generator task's step
    ({ warnings } = await captureConsole(async () => {
      loop.createTask(function* stopLoopCoro() {
        loop.stop();
      });
      await loop.runForever();
    }));
    expect(warnings.map((w) => String(w[0]))).toContainEqual(expect.stringMatching(/^Executing <Task.*stopLoopCoro.*> took .* seconds/));
    expect(warnings.map((w) => String(w[0]))).not.toContainEqual(expect.stringMatching(/taskStep/));
    // an async-function task: its steps after an await run among the promise reactions, and
    // are timed there (busy for at least 50 ms of real time, where asyncio would see the same)
    loop.slowCallbackDuration = 0.05;
    ({ warnings } = await captureConsole(() =>
      loop.runUntilComplete(
        loop.createTask(
          async function busyAfterAwait() {
            await sleep(1);
            const t0 = performance.now();
            while (performance.now() - t0 < 60);
          },
          { name: 'busy' },
        ),
      ),
    ));
    const slow = warnings.map((w) => String(w[0])).filter((m) => /^Executing <Task .*name=.busy.*busyAfterAwait.*> took \d+\.\d{3} seconds/.test(m));
    expect(slow).toHaveLength(1);
    expect(Number(/took (\d+\.\d+)/.exec(slow[0]!)![1])).toBeGreaterThanOrEqual(0.05);
    loop.close();
  });

  it('a toolkit function called where no loop runs throws at once, instead of binding to a loop nobody runs (issue #14, defect 26)', async () => {
    const loop = newEventLoop({ core, clock: 'virtual' });
    async function child(x: number): Promise<number> {
      return x;
    }
    // pyperformance's async_tree translated directly: main() runs up to its first await before the loop does
    async function main(): Promise<number[]> {
      return await gather(child(1), child(2));
    }
    async function nap(): Promise<void> {
      await sleep(1);
    }
    const p = loop.runUntilComplete(loop.createTask(main()));
    await expect(p).rejects.toBeInstanceOf(RuntimeError);
    await expect(loop.runUntilComplete(loop.createTask(main()))).rejects.toThrow(/no running event loop: .* pass the function itself, loop.createTask\(main\)/);
    await expect(loop.runUntilComplete(loop.createTask(nap()))).rejects.toThrow(/no running event loop: sleep\(\)/);
    // handed the function, main starts inside the loop and gather binds to it
    expect(await loop.runUntilComplete(loop.createTask(main))).toEqual([1, 2]);
    loop.close();
  });
});
