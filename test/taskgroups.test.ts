/**
 * TaskGroup and ExceptionGroup: what CPython's test_taskgroups.py asserts, re-expressed, with
 * generator and async-function parents.
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import { CancelledError, ExceptionGroup, RuntimeError, TaskGroup, currentTask, eagerTaskFactory, sleep, timeout, type Task } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

class MyError extends Error {
  override name = 'MyError';
}

// by name, as users see them: a bundler may rename classes, never their `name`
const errorTypes = (eg: unknown) => (eg as ExceptionGroup).exceptions.map((e) => (e as Error).name).sort();

describe.each(CORES)('TaskGroup (%s core)', (core) => {
  it.each(['generator', 'async'] as const)('exit waits for every child; their results are there afterwards (%s parent)', async (kind) => {
    const loop = vloop(core);
    let t1!: Task<number>;
    let t2!: Task<number>;
    const out = await runTask(
      loop,
      kind === 'generator'
        ? function* () {
            yield* new TaskGroup().run(function* (tg) {
              t1 = tg.createTask(() => sleep(1, 42));
              yield* sleep(0.5);
              t2 = tg.createTask(async () => {
                await sleep(2);
                return 11;
              });
            });
            return loop.time();
          }
        : async () => {
            await new TaskGroup().run(async (tg) => {
              t1 = tg.createTask(() => sleep(1, 42));
              await sleep(0.5);
              t2 = tg.createTask(async () => {
                await sleep(2);
                return 11;
              });
            });
            return loop.time();
          },
    );
    expect(out).toBe(2.5);
    expect([t1.result(), t2.result()]).toEqual([42, 11]);
    loop.close();
  });

  it('a child cancelled on its own is no error', async () => {
    const loop = vloop(core);
    let t1!: Task<unknown>;
    let t2!: Task<number>;
    await runTask(loop, async () =>
      new TaskGroup().run(async (tg) => {
        t1 = tg.createTask(() => sleep(10));
        await sleep(0.5);
        t1.cancel();
        t2 = tg.createTask(() => sleep(1, 11));
      }),
    );
    expect(t1.cancelled()).toBe(true);
    expect(t2.result()).toBe(11);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('a failing child cancels its siblings and the body; the errors come out as an ExceptionGroup (%s parent)', async (kind) => {
    const loop = vloop(core);
    const log: string[] = [];
    const crash = async () => {
      await sleep(1);
      throw new RangeError('crash');
    };
    const sibling = async () => {
      try {
        await sleep(5);
      } catch (e) {
        log.push(`sibling ${(e as Error).name}`);
        throw e;
      }
    };
    const parent =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* new TaskGroup().run(function* (tg) {
              tg.createTask(crash);
              tg.createTask(crash);
              tg.createTask(sibling);
              try {
                yield* sleep(10);
              } catch (e) {
                log.push(`body ${(e as Error).name}`);
                throw e;
              }
            });
            log.push('after the group');
          })
        : loop.createTask(async () => {
            await new TaskGroup().run(async (tg) => {
              tg.createTask(crash);
              tg.createTask(crash);
              tg.createTask(sibling);
              try {
                await sleep(10);
              } catch (e) {
                log.push(`body ${(e as Error).name}`);
                throw e;
              }
            });
            log.push('after the group');
          });
    const err = await loop.runUntilComplete(parent).then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(ExceptionGroup);
    expect((err as ExceptionGroup).message).toBe('unhandled errors in a TaskGroup (2 sub-exceptions)');
    expect(errorTypes(err)).toEqual(['RangeError', 'RangeError']);
    expect(log.sort()).toEqual(['body CancelledError', 'sibling CancelledError']);
    expect(parent.cancelled()).toBe(false);
    expect(parent.cancelling()).toBe(0);
    expect(loop.time()).toBe(1);
    loop.close();
  });

  it('an error in the body cancels the children and joins the ExceptionGroup', async () => {
    const loop = vloop(core);
    let t1!: Task<unknown>;
    const err = await runTask(loop, function* () {
      try {
        yield* new TaskGroup().run(function* (tg) {
          t1 = tg.createTask(() => sleep(10));
          yield* sleep(0.1);
          throw new MyError('body');
        });
      } catch (e) {
        return e;
      }
    });
    expect(errorTypes(err)).toEqual(['MyError']);
    expect(t1.cancelled()).toBe(true);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('cancelling the parent cancels the children; CancelledError with its message comes out (%s parent)', async (kind) => {
    const loop = vloop(core);
    let cancelledChildren = 0;
    const child = async () => {
      try {
        await sleep(5);
      } catch (e) {
        cancelledChildren++;
        throw e;
      }
    };
    const parent =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* new TaskGroup().run(function* (tg) {
              for (let i = 0; i < 5; i++) tg.createTask(child);
            });
          })
        : loop.createTask(async () => {
            await new TaskGroup().run(async (tg) => {
              for (let i = 0; i < 5; i++) tg.createTask(child);
            });
          });
    loop.callLater(0.1, () => parent.cancel('test'));
    await expect(loop.runUntilComplete(parent)).rejects.toThrow(new CancelledError('test'));
    expect(cancelledChildren).toBe(5);
    loop.close();
  });

  it('a body that turns its CancelledError into another error: that error in the ExceptionGroup', async () => {
    const loop = vloop(core);
    const parent = loop.createTask(async () => {
      await new TaskGroup().run(async () => {
        try {
          await sleep(10);
        } catch {
          throw new MyError('converted');
        }
      });
    });
    loop.callLater(0.1, () => parent.cancel());
    const err = await loop.runUntilComplete(parent).catch((e) => e);
    expect(errorTypes(err)).toEqual(['MyError']);
    loop.close();
  });

  it('the body failing while unwinding from a child failure: both errors are collected', async () => {
    const loop = vloop(core);
    const err = await runTask(loop, function* () {
      try {
        yield* new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            yield* sleep(0.1);
            throw new RangeError('child');
          });
          try {
            yield* sleep(10);
          } finally {
            throw new MyError('finally');
          }
        });
      } catch (e) {
        return e;
      }
    });
    expect(errorTypes(err)).toEqual(['MyError', 'RangeError']);
    loop.close();
  });

  it('nested groups: an inner failure comes out as a group inside a group', async () => {
    const loop = vloop(core);
    const crashAfter = (t: number) =>
      function* () {
        yield* sleep(t);
        throw new RangeError(String(t));
      };
    const err = await runTask(loop, async () => {
      try {
        await new TaskGroup().run(async (g1) => {
          g1.createTask(crashAfter(10));
          await new TaskGroup().run((g2) => {
            g2.createTask(crashAfter(0.1));
          });
        });
      } catch (e) {
        return e;
      }
    });
    expect(errorTypes(err)).toEqual(['ExceptionGroup']);
    expect(errorTypes((err as ExceptionGroup).exceptions[0])).toEqual(['RangeError']);
    expect(loop.time()).toBe(0.1);
    loop.close();
  });

  it('inside a timeout: the deadline cancels the group, TimeoutError comes out and the count of cancellations is restored', async () => {
    const loop = vloop(core);
    let child!: Task<unknown>;
    const out = await runTask(loop, async () => {
      try {
        await timeout(1).run(() =>
          new TaskGroup().run((tg) => {
            child = tg.createTask(() => sleep(10));
          }),
        );
      } catch (e) {
        return [(e as Error).name, loop.time(), currentTask()!.cancelling()];
      }
    });
    expect(out).toEqual(['TimeoutError', 1, 0]);
    expect(child.cancelled()).toBe(true);
    loop.close();
  });

  it('createTask only while the group is active; enter needs a task and happens once', async () => {
    const loop = vloop(core);
    const tg = new TaskGroup();
    expect(() => tg.createTask(function* () {})).toThrow(/has not been entered/);
    await runTask(loop, function* () {
      yield* tg.run(function* () {
        yield* sleep(0);
      });
    });
    expect(() => tg.createTask(function* () {})).toThrow(/is finished/);
    await expect(runTask(loop, () => tg.enter())).rejects.toThrow(/has already been entered/);
    let err: unknown;
    loop.callSoon(() => new TaskGroup().enter().then(undefined, (e) => (err = e)));
    await iterations(loop, 2);
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toMatch(/cannot determine the parent task/);
    expect(() => tg.run(1 as never)).toThrow(TypeError);
    loop.close();
  });

  it('a group shutting down refuses new children', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      let refused: unknown;
      try {
        yield* new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            throw new MyError('x');
          });
          try {
            yield* sleep(1);
          } catch (e) {
            try {
              tg.createTask(function* () {});
            } catch (e2) {
              refused = e2;
            }
            throw e;
          }
        });
      } catch {
        return (refused as Error).message;
      }
    });
    expect(out).toMatch(/is shutting down$/);
    loop.close();
  });

  it('an eager child that fails at once aborts the group without cancelling the parent too early', async () => {
    const loop = vloop(core);
    loop.setTaskFactory(eagerTaskFactory);
    const log: string[] = [];
    const err = await runTask(loop, function* () {
      try {
        yield* new TaskGroup().run(function* (tg) {
          tg.createTask(function* () {
            throw new MyError('eager');
          });
          log.push('body continues after createTask');
          yield* sleep(1);
          log.push('not reached');
        });
      } catch (e) {
        return e;
      }
    });
    expect(errorTypes(err)).toEqual(['MyError']);
    expect(log).toEqual(['body continues after createTask']);
    loop.close();
  });

  it('repr shows children, errors and state', async () => {
    const loop = vloop(core);
    const tg = new TaskGroup();
    expect(String(tg)).toBe('<TaskGroup>');
    await runTask(loop, function* () {
      yield* tg.run(function* () {
        tg.createTask(() => sleep(1));
        expect(String(tg)).toBe('<TaskGroup tasks=1 entered>');
      });
    });
    loop.close();
  });
});

describe('ExceptionGroup', () => {
  it('is an AggregateError with the exceptions, a Python-like message, and split/subgroup', () => {
    const a = new RangeError('a');
    const b = new TypeError('b');
    const inner = new ExceptionGroup('inner', [b, new RangeError('c')]);
    const eg = new ExceptionGroup('outer', [a, inner]);
    expect(eg).toBeInstanceOf(AggregateError);
    expect(eg.name).toBe('ExceptionGroup');
    expect(eg.message).toBe('outer (2 sub-exceptions)');
    expect(new ExceptionGroup('one', [a]).message).toBe('one (1 sub-exception)');
    expect(eg.groupMessage).toBe('outer');
    expect(eg.exceptions).toEqual([a, inner]);
    expect(eg.errors).toEqual([a, inner]);
    const [ranges, rest] = eg.split((e) => e instanceof RangeError);
    expect(ranges!.exceptions[0]).toBe(a);
    expect((ranges!.exceptions[1] as ExceptionGroup).exceptions.map((e) => (e as Error).message)).toEqual(['c']);
    expect((rest!.exceptions[0] as ExceptionGroup).exceptions).toEqual([b]);
    expect(eg.subgroup((e) => e instanceof SyntaxError)).toBe(null);
    expect(eg.subgroup((e) => e === eg)).toBe(eg);
    expect(() => new ExceptionGroup('x', [])).toThrow(RangeError);
    expect(() => new ExceptionGroup(1 as never, [a])).toThrow(TypeError);
  });
});
