/**
 * API.md §6, Task: generator tasks stepped exactly as asyncio steps coroutines (re-expressing what
 * CPython's test_tasks.py asserts), names, currentTask/allTasks, task factories and eager tasks.
 * Cancellation has its own file (cancellation.test.ts); async-function tasks theirs.
 */
// proves: §6.2, §6.3
import { describe, expect, it } from 'vitest';
import {
  Context,
  ContextVar,
  RuntimeError,
  Task,
  allTasks,
  createEagerTaskFactory,
  createTask,
  currentTask,
  eagerTaskFactory,
  ensureFuture,
  Future,
  sleep,
  type EventLoop,
  type TaskConstructor,
} from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('generator tasks (%s core)', (core) => {
  it('a task runs its generator from the next iteration and finishes with its return value', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    const t = loop.createTask(function* () {
      seen.push('started');
      return 'result';
    });
    expect(seen).toEqual([]);
    expect(t.done()).toBe(false);
    await iterations(loop, 1);
    expect(seen).toEqual(['started']);
    expect(t.done()).toBe(true);
    expect(t.result()).toBe('result');
    loop.close();
  });

  it('a task waiting on a Future subclass registers its wakeup through the subclass\'s addDoneCallback', async () => {
    // the task's own wakeup skips the callable check only on Future's own addDoneCallback
    const loop = vloop(core);
    const calls: string[] = [];
    class Watched<T> extends Future<T> {
      override addDoneCallback(fn: (f: Future<T>) => unknown, context?: Context): void {
        calls.push('addDoneCallback');
        super.addDoneCallback(fn, context);
      }
    }
    const f = new Watched<number>({ loop });
    const plain = loop.createFuture<number>();
    const t = loop.createTask(function* () {
      const a = yield* f;
      const b = yield* plain;
      return a + b;
    });
    await iterations(loop, 1);
    expect(calls).toEqual(['addDoneCallback']);
    f.setResult(1);
    await iterations(loop, 2);
    plain.setResult(2);
    await iterations(loop, 2);
    expect(t.result()).toBe(3);
    expect(calls).toEqual(['addDoneCallback']);
    loop.close();
  });

  it('each yield* of a pending future suspends the task until the loop resumes it', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const f = loop.createFuture<number>();
    const t = loop.createTask(function* () {
      log.push('before');
      const v = yield* f;
      log.push(`after ${v} at ${loop.time()}`);
      return v + 1;
    });
    loop.callLater(2, () => {
      log.push('setting');
      f.setResult(41);
    });
    expect(await loop.runUntilComplete(t)).toBe(42);
    expect(log).toEqual(['before', 'setting', 'after 41 at 2']);
    loop.close();
  });

  it('an exception of the awaited future is thrown into the generator at the yield*', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    loop.callLater(1, () => f.setException(new Error('inner')));
    const out = await runTask(loop, function* () {
      try {
        yield* f;
        return 'no';
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    });
    expect(out).toBe('caught inner');
    loop.close();
  });

  it('an exception leaving the generator fails the task', async () => {
    const loop = vloop(core);
    const err = new TypeError('out');
    const t = loop.createTask(function* () {
      yield;
      throw err;
    });
    await expect(loop.runUntilComplete(t)).rejects.toBe(err);
    expect(t.exception()).toBe(err);
    loop.close();
  });

  it('a bare yield gives up exactly one iteration, like asyncio.sleep(0)', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    loop.createTask(function* () {
      log.push('a1');
      yield;
      log.push('a2');
      yield;
      log.push('a3');
    });
    loop.createTask(function* () {
      log.push('b1');
      yield;
      log.push('b2');
    });
    await iterations(loop, 3);
    expect(log).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    loop.close();
  });

  it('yield of a future instead of yield* is a RuntimeError thrown into the task', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const t = loop.createTask(function* () {
      yield f;
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(/^yield was used instead of yield\* in task/);
    loop.close();
  });

  it('yield of a generator instead of yield* is a RuntimeError', async () => {
    const loop = vloop(core);
    const t = loop.createTask(function* () {
      yield sleep(0)[Symbol.iterator]();
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(/^yield was used instead of yield\* for generator in task/);
    loop.close();
  });

  it('yielding something that is not awaitable is a RuntimeError ("bad yield")', async () => {
    const loop = vloop(core);
    const t = loop.createTask(function* () {
      yield 42;
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(new RuntimeError('Task got bad yield: number 42'));
    loop.close();
  });

  it('a task cannot await itself', async () => {
    const loop = vloop(core);
    const t: Task<unknown> = loop.createTask(function* (): Generator<unknown, unknown, unknown> {
      return yield* t;
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(/^Task cannot await on itself/);
    loop.close();
  });

  it('a future of another loop is refused with RuntimeError', async () => {
    const loop = vloop(core);
    const other = vloop(core);
    const f = other.createFuture();
    const t = loop.createTask(function* () {
      yield* f;
    });
    await expect(loop.runUntilComplete(t)).rejects.toThrow(/attached to a different loop/);
    loop.close();
    other.close();
  });

  it('a bare yield of a promise waits for it (a JavaScript convenience)', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* (): Generator<unknown, string, any> {
      const v = yield Promise.resolve('p');
      const w = yield* ensureFuture<string>(Promise.resolve('q'));
      return `${v}${w}`;
    });
    expect(out).toBe('pq');
    loop.close();
  });

  it('tasks are done through their coroutine only: setResult and setException are RuntimeErrors', async () => {
    const loop = vloop(core);
    const t = loop.createTask(function* () {});
    expect(() => t.setResult(1 as never)).toThrow(new RuntimeError('Task does not support setResult operation'));
    expect(() => t.setException(new Error())).toThrow(new RuntimeError('Task does not support setException operation'));
    await loop.runUntilComplete(t);
    loop.close();
  });

  it('createTask refuses what is not a coroutine, with nothing scheduled', () => {
    const loop = vloop(core);
    for (const bad of [42, 'x', null, {}, loop.createFuture()]) expect(() => loop.createTask(bad as never)).toThrow(TypeError);
    expect(() => loop.createTask(function* () {}, { context: {} as never })).toThrow(TypeError);
    expect(() => loop.createTask((async function* () {})() as never)).toThrow(new TypeError('a coroutine was expected, got an async generator'));
    expect(loop._core.readyCount()).toBe(0);
    expect(allTasks(loop).size).toBe(0);
    loop.close();
  });

  it('names: Task-<n> by default, any value is made a string, setName renames', async () => {
    const loop = vloop(core);
    const a = loop.createTask(function* () {});
    const b = loop.createTask(function* () {});
    const na = Number(a.getName().replace('Task-', ''));
    expect(a.getName()).toMatch(/^Task-\d+$/);
    expect(b.getName()).toBe(`Task-${na + 1}`);
    const c = loop.createTask(function* () {}, { name: 42 as never });
    expect(c.getName()).toBe('42');
    c.setName({ toString: () => 'renamed' });
    expect(c.getName()).toBe('renamed');
    await iterations(loop, 1);
    loop.close();
  });

  it('repr shows state, name, coroutine and what it waits for', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const t = loop.createTask(
      function* worker() {
        yield* f;
        return 'ok';
      },
      { name: 'w' },
    );
    expect(String(t)).toBe('<Task pending name="w" coro=<worker()>>');
    await iterations(loop, 1);
    expect(String(t)).toBe('<Task pending name="w" coro=<worker()> wait_for=<Future pending cb=[taskWakeup]>>');
    f.setResult(1);
    await loop.runUntilComplete(t);
    expect(String(t)).toBe('<Task finished name="w" coro=<worker()> result="ok">');
    loop.close();
  });

  it('currentTask is the task whose step runs, null between steps, and needs a running loop', async () => {
    const loop = vloop(core);
    let inside: unknown;
    let insideWithLoop: unknown;
    const t = loop.createTask(function* () {
      inside = currentTask();
      yield;
      insideWithLoop = currentTask(loop);
    });
    loop.callSoon(() => expect(currentTask()).toBe(null));
    await loop.runUntilComplete(t);
    expect(inside).toBe(t);
    expect(insideWithLoop).toBe(t);
    expect(currentTask(loop)).toBe(null);
    expect(() => currentTask()).toThrow(new RuntimeError('no running event loop'));
    loop.close();
  });

  it('allTasks holds the pending tasks of a loop, not the done ones', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const a = loop.createTask(function* () {
      yield* f;
    });
    const b = loop.createTask(function* () {});
    expect(allTasks(loop)).toEqual(new Set([a, b]));
    await iterations(loop, 1);
    expect(allTasks(loop)).toEqual(new Set([a]));
    f.setResult(0);
    await loop.runUntilComplete(a);
    expect(allTasks(loop).size).toBe(0);
    loop.close();
  });

  it('a task runs in a copy of the context it was created in, or in the one given', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'unset' });
    v.set('creator');
    const seen: string[] = [];
    const a = loop.createTask(function* () {
      seen.push(v.get());
      v.set('changed in a');
      yield;
      seen.push(v.get());
    });
    const ctx = new Context();
    const b = loop.createTask(
      function* () {
        seen.push(v.get());
      },
      { context: ctx },
    );
    expect(a.getContext()).not.toBe(b.getContext());
    expect(b.getContext()).toBe(ctx);
    await loop.runUntilComplete(a);
    await loop.runUntilComplete(b);
    expect(seen).toEqual(['creator', 'unset', 'changed in a']);
    expect(v.get()).toBe('creator');
    expect(a.getContext().get(v)).toBe('changed in a');
    loop.close();
  });

  it('createTask and currentTask at module level use the running loop', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const child = createTask(function* () {
        return currentTask();
      });
      return [child, yield* child];
    });
    expect(out[0]).toBe(out[1]);
    expect(() => createTask(function* () {})).toThrow(new RuntimeError('no running event loop'));
    loop.close();
  });

  it('setTaskFactory routes createTask through the factory; null restores the default', async () => {
    const loop = vloop(core);
    const calls: unknown[] = [];
    const factory = (l: EventLoop, coro: unknown, opts: object) => {
      calls.push([l === loop, opts]);
      return new Task(coro as Generator, { ...opts, loop: l, name: 'made' });
    };
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    const t = loop.createTask(function* () {}, { name: 'asked' });
    expect(t.getName()).toBe('asked'); // asyncio sets the asked name after the factory
    expect(calls).toEqual([[true, { name: 'asked' }]]);
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBe(null);
    expect(loop.createTask(function* () {}, { name: 'plain' }).getName()).toBe('plain');
    expect(() => loop.setTaskFactory(42 as never)).toThrow(TypeError);
    await iterations(loop, 1);
    loop.close();
  });
});

describe.each(CORES)('eager task factory (%s core)', (core) => {
  it('an eager task runs its first step inside createTask, as the current task', async () => {
    const loop = vloop(core);
    loop.setTaskFactory(eagerTaskFactory);
    const log: unknown[] = [];
    const out = await runTask(loop, function* () {
      const parent = currentTask();
      let child: Task<string> | null = null;
      child = createTask(function* () {
        log.push(['child first step', currentTask() === child, child === null]);
        yield;
        log.push('child second step');
        return 'c';
      });
      log.push(['back in parent', currentTask() === parent, child.done()]);
      return yield* child;
    });
    expect(out).toBe('c');
    // inside its eager step the task variable was not assigned yet: it is current all the same
    expect(log).toEqual([['child first step', false, true], ['back in parent', true, false], 'child second step']);
    loop.close();
  });

  it('an eager task that never suspends is done when createTask returns, and its callbacks still run later', async () => {
    const loop = vloop(core);
    loop.setTaskFactory(eagerTaskFactory);
    const seen: string[] = [];
    await runTask(loop, function* () {
      const t = createTask(function* () {
        return 'now';
      });
      expect(t.done()).toBe(true);
      expect(t.result()).toBe('now');
      expect(allTasks()).not.toContain(t);
      t.addDoneCallback(() => seen.push('cb'));
      expect(seen).toEqual([]);
      yield;
      expect(seen).toEqual(['cb']);
    });
    loop.close();
  });

  it('outside a running loop the eager factory schedules the first step as usual', async () => {
    const loop = vloop(core);
    loop.setTaskFactory(eagerTaskFactory);
    const seen: string[] = [];
    const t = loop.createTask(function* () {
      seen.push('ran');
    });
    expect(seen).toEqual([]);
    await loop.runUntilComplete(t);
    expect(seen).toEqual(['ran']);
    loop.close();
  });

  it('createEagerTaskFactory makes eager tasks of a Task subclass, with their names; a non-class is refused', async () => {
    const loop = vloop(core);
    class TracedTask<T> extends Task<T> {
      static made: string[] = [];
      constructor(...args: ConstructorParameters<typeof Task<T>>) {
        super(...args);
        TracedTask.made.push(this.getName());
      }
    }
    loop.setTaskFactory(createEagerTaskFactory(TracedTask as TaskConstructor));
    const log: string[] = [];
    const out = await runTask(loop, function* () {
      const t = createTask(
        function* () {
          log.push(`eager step of ${currentTask()?.getName()}`);
          yield;
          return 'sub';
        },
        { name: 'child' },
      );
      log.push('created');
      return [t instanceof TracedTask, yield* t];
    });
    expect(out).toEqual([true, 'sub']);
    // runTask's own task went through the factory too (the loop was not running yet: not eager)
    expect(TracedTask.made).toEqual([expect.stringMatching(/^Task-\d+$/), 'child']);
    expect(log).toEqual(['eager step of child', 'created']);
    expect(() => createEagerTaskFactory(42 as never)).toThrow(TypeError);
    loop.close();
  });

  it('an eager async-function task runs up to its first await inside createTask', async () => {
    const loop = vloop(core);
    loop.setTaskFactory(eagerTaskFactory);
    const log: string[] = [];
    const out = await runTask(loop, function* () {
      const t = createTask(async () => {
        log.push('sync part');
        await sleep(1);
        log.push('after sleep');
        return 5;
      });
      log.push('created');
      return yield* t;
    });
    expect(out).toBe(5);
    expect(log).toEqual(['sync part', 'created', 'after sleep']);
    loop.close();
  });
});
