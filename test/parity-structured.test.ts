/**
 * Cases of CPython's test_timeouts.py and test_taskgroups.py that the other suites did not
 * re-express: timeouts inside cleanup code, a timeout after a swallowed cancellation, two deadlines
 * passing in one iteration, TaskGroups whose body turns its cancellation into an error, groups
 * fed by their children, the cancellation count after a failing group (nested, or cancelled from
 * outside as well). Both cores, virtual clock, generator and async-function tasks.
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import { CancelledError, ContextVar, Event, ExceptionGroup, TaskGroup, TimeoutError, allTasks, copyContext, currentTask, sleep, timeout, wait, waitFor, type Task } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

class MyError extends Error {
  override name = 'MyError';
}

const KINDS = ['generator', 'async'] as const;

/** A coroutine function of `kind` that sleeps `delay` and, cancelled or not, fails in its finally block. */
function failsInCleanup(kind: (typeof KINDS)[number], delay: number, message: string): () => Generator<unknown, void, unknown> | Promise<void> {
  return kind === 'generator'
    ? function* () {
        try {
          yield* sleep(delay);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new MyError(message);
        }
      }
    : async () => {
        try {
          await sleep(delay);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw new MyError(message);
        }
      };
}

/** The running task cancels itself and swallows the CancelledError without uncancel(): cancelling() stays 1. */
function* swallowOwnCancellation(): Generator<unknown, void, unknown> {
  try {
    currentTask()!.cancel();
    yield* sleep(1);
  } catch {
    /* swallowed, not uncancelled */
  }
}

/** The class names of a group's exceptions, sorted. */
function errorTypes(e: unknown): string[] {
  expect(e).toBeInstanceOf(ExceptionGroup);
  return (e as ExceptionGroup).exceptions.map((x) => (x as Error).name).sort();
}

describe.each(CORES)('timeouts as asyncio tests them (%s core)', (core) => {
  it.each(KINDS)('a timeout in a finally block of an expired timeout expires on its own (%s)', async (kind) => {
    const loop = vloop(core);
    const out =
      kind === 'generator'
        ? runTask(loop, function* () {
            const inner: string[] = [];
            try {
              yield* timeout(0.01).run(function* () {
                try {
                  yield* sleep(1);
                } finally {
                  try {
                    yield* timeout(0.01).run(() => sleep(10));
                  } catch (e) {
                    inner.push(`${(e as Error).name} at ${loop.time()}`);
                  }
                }
              });
            } catch (e) {
              inner.push(`${(e as Error).name} at ${loop.time()}`);
            }
            return inner;
          })
        : runTask(loop, async () => {
            const inner: string[] = [];
            try {
              await timeout(0.01).run(async () => {
                try {
                  await sleep(1);
                } finally {
                  try {
                    await timeout(0.01).run(() => sleep(10));
                  } catch (e) {
                    inner.push(`${(e as Error).name} at ${loop.time()}`);
                  }
                }
              });
            } catch (e) {
              inner.push(`${(e as Error).name} at ${loop.time()}`);
            }
            return inner;
          });
    expect(await out).toEqual(['TimeoutError at 0.02', 'TimeoutError at 0.02']);
    loop.close();
  });

  it('after a swallowed cancellation (cancelling() is 1), timeout(0) still raises TimeoutError', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      yield* swallowOwnCancellation();
      const before = currentTask()!.cancelling();
      try {
        yield* timeout(0).run(() => sleep(1));
      } catch (e) {
        return [before, (e as Error).name, currentTask()!.cancelling()];
      }
    });
    expect(out).toEqual([1, 'TimeoutError', 1]);
    loop.close();
  });

  it('after a swallowed cancellation, a new cancel() inside a timeout stays a CancelledError', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      yield* swallowOwnCancellation();
      try {
        yield* timeout(1).run(function* () {
          currentTask()!.cancel();
          yield* sleep(2);
        });
      } catch (e) {
        return [(e as Error).name, loop.time()];
      }
    });
    expect(out).toEqual(['CancelledError', 0]);
    loop.close();
  });

  it.each(KINDS)('an error raised while the body unwinds from the deadline passes through unchanged (%s)', async (kind) => {
    const loop = vloop(core);
    const crash = failsInCleanup(kind, 1, 'in finally');
    const out = runTask(loop, function* () {
      yield* timeout(0.01).run(crash);
    });
    await expect(out).rejects.toBeInstanceOf(MyError);
    loop.close();
  });

  it('the task holding an expired timeout is not cancelled', async () => {
    const loop = vloop(core);
    const task = loop.createTask(async () => {
      await expect(timeout(0.001).run(() => sleep(10))).rejects.toBeInstanceOf(TimeoutError);
    });
    await loop.runUntilComplete(task);
    expect(task.cancelled()).toBe(false);
    expect(task.cancelling()).toBe(0);
    loop.close();
  });

  it.each(KINDS)('two deadlines passing in one iteration: the inner lets CancelledError through, the outer raises TimeoutError (%s)', async (kind) => {
    const loop = vloop(core);
    const log: string[] = [];
    const out =
      kind === 'generator'
        ? runTask(loop, function* () {
            try {
              yield* timeout(0.1).run(function* () {
                try {
                  yield* timeout(0.01).run(function* () {
                    loop.advance(0.2); // the loop is "busy": both deadlines pass before it waits
                    yield* sleep(1);
                  });
                } catch (e) {
                  log.push(`inner ${(e as Error).name}`);
                  throw e;
                }
                log.push('not reached');
                yield* sleep(10);
              });
            } catch (e) {
              log.push(`outer ${(e as Error).name}`);
            }
            return loop.time();
          })
        : runTask(loop, async () => {
            try {
              await timeout(0.1).run(async () => {
                try {
                  await timeout(0.01).run(async () => {
                    loop.advance(0.2);
                    await sleep(1);
                  });
                } catch (e) {
                  log.push(`inner ${(e as Error).name}`);
                  throw e;
                }
                log.push('not reached');
                await sleep(10);
              });
            } catch (e) {
              log.push(`outer ${(e as Error).name}`);
            }
            return loop.time();
          });
    expect(await out).toBe(0.2);
    expect(log).toEqual(['inner CancelledError', 'outer TimeoutError']);
    loop.close();
  });
});

describe.each(CORES)('TaskGroup as asyncio tests it (%s core)', (core) => {
  it.each(KINDS)('a body that turns its CancelledError (from outside) into an error: that error, in an ExceptionGroup (%s)', async (kind) => {
    const loop = vloop(core);
    let reached = 0;
    const r: Task<void> =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* new TaskGroup().run(function* () {
              try {
                yield* sleep(10);
              } catch {
                reached += 10;
                throw new MyError('instead');
              }
            });
          })
        : loop.createTask(async () => {
            await new TaskGroup().run(async () => {
              try {
                await sleep(10);
              } catch {
                reached += 10;
                throw new MyError('instead');
              }
            });
          });
    await loop.runUntilComplete(() => sleep(0.1));
    r.cancel();
    const err = await loop.runUntilComplete(r).then(
      () => null,
      (e) => e,
    );
    expect(errorTypes(err)).toEqual(['MyError']);
    expect(reached).toBe(10);
    loop.close();
  });

  it.each(KINDS)('the parent cancelled while its body handles it slowly, and a child crashes meanwhile: the crash wins, as an ExceptionGroup (%s)', async (kind) => {
    const loop = vloop(core);
    const crashSoon = async () => {
      await sleep(0.3);
      throw new MyError('crash');
    };
    const nested =
      kind === 'generator'
        ? function* () {
            yield* new TaskGroup().run(function* (g) {
              g.createTask(crashSoon);
              try {
                yield* sleep(10);
              } catch (e) {
                yield* sleep(0.5);
                throw e;
              }
            });
          }
        : async () => {
            await new TaskGroup().run(async (g) => {
              g.createTask(crashSoon);
              try {
                await sleep(10);
              } catch (e) {
                await sleep(0.5);
                throw e;
              }
            });
          };
    // directly, and through a task in between (test_taskgroup_15 and _16 since GH-95704)
    for (const wrap of [false, true]) {
      const start = loop.time();
      const r = wrap
        ? loop.createTask(function* () {
            yield* loop.createTask(nested);
          })
        : loop.createTask(nested);
      await loop.runUntilComplete(() => sleep(0.1));
      expect(r.done()).toBe(false);
      r.cancel();
      const err = await loop.runUntilComplete(r).then(
        () => null,
        (e) => e,
      );
      expect(errorTypes(err)).toEqual(['MyError']);
      // the crash at 0.3 cut the body's slow cleanup short
      expect(loop.time() - start).toBeCloseTo(0.3, 12);
    }
    loop.close();
  });

  it.each(KINDS)('children failing in their cleanup while the parent is cancelled from outside: an ExceptionGroup, nested groups nest (%s)', async (kind) => {
    const loop = vloop(core);
    const foo = failsInCleanup(kind, 10, 'cleanup');
    const flat = function* () {
      yield* new TaskGroup().run(function* (g) {
        for (let i = 0; i < 5; i++) g.createTask(foo);
        yield* sleep(10);
      });
    };
    const nested = function* () {
      yield* new TaskGroup().run(function* (g1) {
        g1.createTask(() => sleep(10));
        yield* new TaskGroup().run(function* (g2) {
          for (let i = 0; i < 5; i++) g2.createTask(foo);
          yield* sleep(10);
        });
      });
    };
    for (const runner of [flat, nested]) {
      const r = loop.createTask(runner);
      await loop.runUntilComplete(() => sleep(0.1));
      r.cancel();
      const err = await loop.runUntilComplete(r).then(
        () => null,
        (e) => e,
      );
      if (runner === flat) expect(errorTypes(err)).toEqual(Array(5).fill('MyError'));
      else {
        expect(errorTypes(err)).toEqual(['ExceptionGroup']);
        expect(errorTypes((err as ExceptionGroup).exceptions[0])).toEqual(Array(5).fill('MyError'));
      }
    }
    loop.close();
  });

  it('children may add children; the group waits for all of them (hydras)', async () => {
    const loop = vloop(core);
    let nhydras = 0;
    const hydra = (g: TaskGroup) =>
      function* (): Generator<unknown, void, unknown> {
        nhydras++;
        yield* sleep(0.01);
        g.createTask(hydra(g));
        g.createTask(hydra(g));
      };
    const hercules = function* () {
      while (nhydras < 10) yield* sleep(0.015);
      throw new RangeError('slain');
    };
    const err = await runTask(loop, function* () {
      try {
        yield* new TaskGroup().run(function* (g) {
          g.createTask(hydra(g));
          g.createTask(hercules);
        });
      } catch (e) {
        return e;
      }
    });
    expect(errorTypes(err)).toEqual(['RangeError']);
    expect(nhydras).toBeGreaterThanOrEqual(10);
    loop.close();
  });

  it('a child may create tasks in the group after the body ended, while the group waits', async () => {
    const loop = vloop(core);
    const done: number[] = [];
    await runTask(loop, function* () {
      yield* new TaskGroup().run(function* (g) {
        g.createTask(function* () {
          yield* sleep(0.1);
          g.createTask(function* () {
            yield* sleep(0.1);
            done.push(1);
          });
          g.createTask(function* () {
            yield* sleep(0.2);
            done.push(2);
          });
        });
      });
    });
    expect(done).toEqual([1, 2]);
    expect(loop.time()).toBeCloseTo(0.3, 12);
    loop.close();
  });

  it('children get their name and an explicit context', async () => {
    const loop = vloop(core);
    const cvar = new ContextVar<number>('cvar');
    const out = await runTask(loop, function* () {
      let name = '';
      const ctx = copyContext();
      const seen: unknown[] = [];
      yield* new TaskGroup().run(function* (g) {
        const t = g.createTask(
          function* () {
            name = currentTask()!.getName();
          },
          { name: 'example name' },
        );
        expect(t.getName()).toBe('example name');
        for (const v of [1, 2]) {
          yield* g.createTask(
            function* () {
              yield* sleep(0);
              cvar.set(v);
            },
            { context: ctx },
          );
          seen.push(ctx.get(cvar));
        }
      });
      return [name, seen];
    });
    expect(out).toEqual(['example name', [1, 2]]);
    loop.close();
  });

  it.each(KINDS)('a failing group leaves the cancellation count where it was; the code after it is not cancelled (%s)', async (kind) => {
    const loop = vloop(core);
    const raiseAfter = (t: number) => async () => {
      await sleep(t);
      throw new MyError('x');
    };
    const out =
      kind === 'generator'
        ? runTask(loop, function* () {
            try {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(raiseAfter(0));
              });
            } catch (e) {
              expect(errorTypes(e)).toEqual(['MyError']);
            }
            const c = currentTask()!.cancelling();
            yield* sleep(0); // a leaked cancellation would strike here
            return c;
          })
        : runTask(loop, async () => {
            try {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(raiseAfter(0));
              });
            } catch (e) {
              expect(errorTypes(e)).toEqual(['MyError']);
            }
            const c = currentTask()!.cancelling();
            await sleep(0);
            return c;
          });
    expect(await out).toBe(0);
    loop.close();
  });

  it('nested groups both failing: cancelling() is 1 between them and 0 after', async () => {
    const loop = vloop(core);
    const raiseAfter = (e: Error) =>
      function* () {
        yield* sleep(0);
        throw e;
      };
    const counts = await runTask(loop, function* () {
      const c: number[] = [];
      try {
        yield* new TaskGroup().run(function* (outer) {
          try {
            yield* new TaskGroup().run(function* (inner) {
              inner.createTask(raiseAfter(new RangeError('inner')));
              outer.createTask(raiseAfter(new MyError('outer')));
            });
          } catch (e) {
            expect(errorTypes(e)).toEqual(['RangeError']);
          }
          c.push(currentTask()!.cancelling());
        });
      } catch (e) {
        expect(errorTypes(e)).toEqual(['MyError']);
      }
      c.push(currentTask()!.cancelling());
      return c;
    });
    expect(counts).toEqual([1, 0]);
    loop.close();
  });

  it.each(KINDS)('a group failing while its task is also cancelled from outside: the outside cancellation stays pending (%s)', async (kind) => {
    const loop = vloop(core);
    const event = new Event();
    const raiseError = async () => {
      event.set();
      await sleep(0);
      throw new MyError('x');
    };
    const log: unknown[] = [];
    const inner =
      kind === 'generator'
        ? function* () {
            try {
              yield* new TaskGroup().run(function* (tg) {
                tg.createTask(raiseError);
                yield* sleep(1);
                log.push('not reached: body');
              });
            } catch (e) {
              log.push(['group', errorTypes(e), currentTask()!.cancelling()]);
            }
            yield* sleep(1);
            log.push('not reached: after');
          }
        : async () => {
            try {
              await new TaskGroup().run(async (tg) => {
                tg.createTask(raiseError);
                await sleep(1);
                log.push('not reached: body');
              });
            } catch (e) {
              log.push(['group', errorTypes(e), currentTask()!.cancelling()]);
            }
            await sleep(1);
            log.push('not reached: after');
          };
    await runTask(loop, function* () {
      const t = loop.createTask(inner);
      yield* event.wait();
      expect(t.cancelling()).toBe(0);
      t.cancel();
      expect(t.cancelling()).toBe(1);
      try {
        yield* t;
      } catch (e) {
        log.push((e as Error).name);
      }
      expect(t.cancelled()).toBe(true);
    });
    expect(log).toEqual([['group', ['MyError'], 1], 'CancelledError']);
    loop.close();
  });

  it('a context manager inside the group failing on exit, with a failing child: both errors, cancelling() back to 0 (gh-95289)', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const task = currentTask()!;
      try {
        yield* new TaskGroup().run(function* (tg) {
          try {
            tg.createTask(function* () {
              throw new MyError('child');
            });
            yield* sleep(1);
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw new MyError('database');
          }
        });
      } catch (e) {
        return [errorTypes(e), task.cancelling()];
      }
    });
    expect(out).toEqual([['MyError', 'MyError'], 0]);
    loop.close();
  });

  it('a child that adds a failing sibling is cancelled at its next await (gh-128550), with plain and eager tasks', async () => {
    for (const eager of [false, true]) {
      const loop = vloop(core);
      if (eager) loop.setTaskFactory((await import('../bindings/index.js')).eagerTaskFactory);
      let ran = false;
      const err = await runTask(loop, function* () {
        try {
          yield* new TaskGroup().run(function* (tg) {
            tg.createTask(function* () {
              tg.createTask(function* () {
                throw new MyError('third task failed');
              });
              try {
                yield* sleep(0);
                yield* sleep(0);
              } catch (e) {
                expect(e).toBeInstanceOf(CancelledError);
                ran = true;
                return;
              }
              throw new Error('not cancelled');
            });
          });
        } catch (e) {
          return e;
        }
      });
      expect(errorTypes(err)).toEqual(['MyError']);
      expect(ran).toBe(true);
      loop.close();
    }
  });

  it('the group waits for children it cancelled; refused children come with no task left behind', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      let refused = '';
      try {
        yield* new TaskGroup().run(function* (g) {
          g.createTask(function* () {
            yield* sleep(0.001);
            throw new RangeError('x');
          });
          g.createTask(function* () {
            try {
              yield* sleep(1);
            } catch (e) {
              try {
                g.createTask(function* () {});
              } catch (e2) {
                refused = (e2 as Error).name;
              }
              throw e;
            }
          });
        });
      } catch (e) {
        return [errorTypes(e), refused, allTasks().size];
      }
    });
    expect(out).toEqual([['RangeError'], 'RuntimeError', 1]);
    loop.close();
  });
});

describe.each(CORES)('waitFor as asyncio tests it (%s core)', (core) => {
  /** asyncio's SlowTask: runs 0.2 s of loop time whatever cancels it, then marks itself exited. */
  function slowTask(kind: (typeof KINDS)[number]) {
    const state = { exited: false };
    const exitAt = () => vloopTime + 0.2;
    let vloopTime = 0;
    const run =
      kind === 'generator'
        ? function* (loop: { time(): number }) {
            vloopTime = loop.time();
            const at = exitAt();
            for (let left = at - loop.time(); left > 0; left = at - loop.time()) {
              try {
                yield* sleep(left);
              } catch {
                /* ignores cancellation */
              }
            }
            state.exited = true;
          }
        : async (loop: { time(): number }) => {
            vloopTime = loop.time();
            const at = exitAt();
            for (let left = at - loop.time(); left > 0; left = at - loop.time()) {
              try {
                await sleep(left);
              } catch {
                /* ignores cancellation */
              }
            }
            state.exited = true;
          };
    return { state, run };
  }

  it.each(KINDS)('a coroutine that ignores cancellation: waitFor waits for it to end, when the task is cancelled and when the deadline passes (%s)', async (kind) => {
    const loop = vloop(core);
    const cancelled = slowTask(kind);
    const timedOut = slowTask(kind);
    const out = await runTask(loop, function* () {
      const waiting = loop.createTask(() => waitFor(() => cancelled.run(loop), 0.4));
      yield* sleep(0);
      waiting.cancel();
      yield* wait([waiting]);
      const first = [cancelled.state.exited, loop.time()];
      let err = '';
      try {
        yield* waitFor(() => timedOut.run(loop), 0.1);
      } catch (e) {
        err = (e as Error).name;
      }
      return [first, err, timedOut.state.exited, loop.time()];
    });
    // it swallowed both cancellations, so no TimeoutError either: it returned, at its own pace
    expect(out).toEqual([[true, 0.2], '', true, 0.4]);
    loop.close();
  });

  it('a waitFor cancelled before it started never cancels the task it was given (which finishes its own way)', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const inner = loop.createTask(function* () {
        try {
          yield* sleep(0.3);
        } catch {
          yield* sleep(0.3);
        }
        return 42;
      });
      const task = loop.createTask(waitFor(inner, 0.1));
      task.cancel();
      let err = '';
      try {
        yield* task;
      } catch (e) {
        err = (e as Error).name;
      }
      return [err, yield* inner, loop.time()];
    });
    expect(out).toEqual(['CancelledError', 42, 0.3]);
    loop.close();
  });

  it.each(KINDS)('after a waitFor that returned at once, a cancel() reaches the next await (gh-86296, %s)', async (kind) => {
    const loop = vloop(core);
    let reachedEnd = false;
    const task =
      kind === 'generator'
        ? loop.createTask(function* () {
            yield* waitFor(function* () {}, 100);
            yield* sleep(1);
            reachedEnd = true;
          })
        : loop.createTask(async () => {
            await waitFor(async () => {}, 100);
            await sleep(1);
            reachedEnd = true;
          });
    await iterations(loop, 2);
    expect(task.done()).toBe(false);
    task.cancel();
    await expect(loop.runUntilComplete(task)).rejects.toBeInstanceOf(CancelledError);
    expect(reachedEnd).toBe(false);
    expect(loop.time()).toBe(0);
    loop.close();
  });

  it('timeout 0 or below: a running task is cancelled and waited for; TimeoutError at once', async () => {
    const loop = vloop(core);
    for (const t of [0, -1]) {
      const out = await runTask(loop, function* () {
        let running: boolean | null = null;
        const started = loop.createFuture();
        const fut = loop.createTask(function* () {
          running = true;
          started.setResult(undefined);
          try {
            yield* sleep(10);
          } finally {
            running = false;
          }
          return 'done';
        });
        yield* started;
        const t0 = loop.time();
        let err = '';
        try {
          yield* waitFor(fut, t);
        } catch (e) {
          err = (e as Error).name;
        }
        return [err, fut.cancelled(), running, loop.time() - t0];
      });
      expect(out).toEqual(['TimeoutError', true, false, 0]);
    }
    loop.close();
  });
});

describe.each(CORES)('iterations with a TaskGroup (%s core)', (core) => {
  it('an explicit child cancel is no error and the group goes on', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      let t1!: Task<number>;
      let t2!: Task<number>;
      yield* new TaskGroup().run(function* (g) {
        t1 = g.createTask(() => sleep(1, 42));
        yield* sleep(0.15);
        t1.cancel();
        t2 = g.createTask(() => sleep(0.2, 11));
      });
      return [t1.cancelled(), t2.result(), loop.time()];
    });
    expect(out).toEqual([true, 11, 0.35]);
    await iterations(loop, 1);
    loop.close();
  });
});
