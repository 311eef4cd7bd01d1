/**
 * timeout / timeoutAt / Timeout and waitFor: what CPython's test_timeouts.py and test_waitfor.py
 * assert, re-expressed on the virtual clock, from generator and async-function tasks.
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import { CancelledError, RuntimeError, Timeout, TimeoutError, currentTask, sleep, timeout, timeoutAt, waitFor } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('timeout() (%s core)', (core) => {
  it.each(['generator', 'async'] as const)('a body still running at the deadline gets CancelledError inside and TimeoutError outside (%s)', async (kind) => {
    const loop = vloop(core);
    const log: unknown[] = [];
    let cm!: Timeout;
    const t = loop.createTask(
      kind === 'generator'
        ? function* () {
            cm = timeout(1.5);
            try {
              yield* cm.run(function* () {
                try {
                  yield* sleep(10);
                } catch (e) {
                  log.push(['inside', (e as Error).name, loop.time()]);
                  throw e;
                }
              });
            } catch (e) {
              log.push(['outside', (e as Error).name, (e as Error).cause instanceof CancelledError]);
            }
            return currentTask()!.cancelling();
          }
        : async () => {
            cm = timeout(1.5);
            try {
              await cm.run(async () => {
                try {
                  await sleep(10);
                } catch (e) {
                  log.push(['inside', (e as Error).name, loop.time()]);
                  throw e;
                }
              });
            } catch (e) {
              log.push(['outside', (e as Error).name, (e as Error).cause instanceof CancelledError]);
            }
            return currentTask()!.cancelling();
          },
    );
    expect(await loop.runUntilComplete(t)).toBe(0);
    expect(log).toEqual([
      ['inside', 'CancelledError', 1.5],
      ['outside', 'TimeoutError', true],
    ]);
    expect(cm.expired()).toBe(true);
    expect(cm.when()).toBe(1.5);
    expect(t.cancelled()).toBe(false);
    expect(String(cm)).toBe('<Timeout [expired]>');
    loop.close();
  });

  it('a body that finishes in time returns its value; the timer is dropped', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, async () => {
      const cm = timeout(10);
      const v = await cm.run(async () => {
        await sleep(1);
        return 'in time';
      });
      return [v, cm.expired(), cm.when(), String(cm), loop._core.timerCount() - loop._core.cancelledCount()];
    });
    expect(out).toEqual(['in time', false, 10, '<Timeout [finished]>', 0]);
    loop.close();
  });

  it('timeoutAt takes an absolute loop time; null disables the deadline', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const at = timeoutAt(loop.time() + 2);
      let err: unknown;
      try {
        yield* at.run(() => sleep(5));
      } catch (e) {
        err = e;
      }
      const none = timeout(null);
      yield* none.run(function* () {
        expect(String(none)).toBe('<Timeout [active] when=null>');
        yield* sleep(100);
      });
      return [err instanceof TimeoutError, at.when(), none.expired(), none.when(), loop.time()];
    });
    expect(out).toEqual([true, 2, false, null, 102]);
    loop.close();
  });

  it('a zero or past deadline expires at the next iteration, even around sleep(0)', async () => {
    const loop = vloop(core);
    for (const delay of [0, -11]) {
      const out = await runTask(loop, function* () {
        const cm = timeout(delay);
        try {
          yield* cm.run(() => sleep(0));
          return 'not expired';
        } catch (e) {
          return [(e as Error).name, cm.expired()];
        }
      });
      expect(out).toEqual(['TimeoutError', true]);
    }
    loop.close();
  });

  it('nested timeouts with the same deadline: the inner one lets CancelledError through, the outer raises TimeoutError', async () => {
    const loop = vloop(core);
    let innerSaw: unknown;
    let outer!: Timeout;
    let inner!: Timeout;
    const out = await runTask(loop, function* () {
      outer = timeoutAt(1);
      try {
        yield* outer.run(function* () {
          inner = timeoutAt(1);
          try {
            yield* inner.run(() => sleep(10));
          } catch (e) {
            innerSaw = e;
            throw e;
          }
        });
      } catch (e) {
        return (e as Error).name;
      }
    });
    expect(out).toBe('TimeoutError');
    expect(innerSaw).toBeInstanceOf(CancelledError);
    expect([outer.expired(), inner.expired()]).toEqual([true, true]);
    loop.close();
  });

  it('an inner timeout that expires is handled inside; the outer one then stops what follows', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const out = await runTask(loop, async () => {
      try {
        await timeout(5).run(async () => {
          try {
            await timeout(1).run(() => sleep(10));
          } catch (e) {
            log.push(`inner ${(e as Error).name} at ${loop.time()}`);
          }
          await sleep(10);
        });
      } catch (e) {
        log.push(`outer ${(e as Error).name} at ${loop.time()}`);
      }
      return currentTask()!.cancelling();
    });
    expect(out).toBe(0);
    expect(log).toEqual(['inner TimeoutError at 1', 'outer TimeoutError at 5']);
    loop.close();
  });

  it('another error passes through unchanged, expired or not', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const res: string[] = [];
      const a = timeout(1);
      try {
        yield* a.run(() => {
          throw new RangeError('foreign');
        });
      } catch (e) {
        res.push(`${(e as Error).name} expired=${a.expired()}`);
      }
      const b = timeout(1);
      try {
        yield* b.run(function* () {
          try {
            yield* sleep(5);
          } finally {
            throw new TypeError('cleanup failed');
          }
        });
      } catch (e) {
        res.push(`${(e as Error).name} expired=${b.expired()}`);
      }
      return res;
    });
    expect(out).toEqual(['RangeError expired=false', 'TypeError expired=true']);
    loop.close();
  });

  it('a cancellation from elsewhere before the deadline stays a CancelledError', async () => {
    const loop = vloop(core);
    let cm!: Timeout;
    const t = loop.createTask(async () => {
      cm = timeout(10);
      await cm.run(async () => {
        currentTask()!.cancel();
        await sleep(10);
      });
    });
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(cm.expired()).toBe(false);
    loop.close();
  });

  it('a cancellation pending from before the timeout is not taken for the timeout (cancelling() baseline)', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const me = currentTask()!;
      try {
        me.cancel();
        yield* sleep(1);
      } catch {
        // swallowed without uncancel(): cancelling() stays 1
      }
      const results: string[] = [];
      try {
        yield* timeout(0).run(() => sleep(1));
      } catch (e) {
        results.push((e as Error).name);
      }
      try {
        yield* timeout(1).run(function* () {
          me.cancel();
          yield* sleep(2);
        });
      } catch (e) {
        results.push((e as Error).name);
      }
      return results;
    });
    expect(out).toEqual(['TimeoutError', 'CancelledError']);
    loop.close();
  });

  it('reschedule moves the deadline; it needs an active timeout', async () => {
    const loop = vloop(core);
    const cmReady = loop.createFuture<Timeout>();
    const t = loop.createTask(async () => {
      const cm = timeoutAt(10);
      await cm.run(async () => {
        cmReady.setResult(cm);
        await sleep(50);
      });
    });
    const cm = await loop.runUntilComplete(cmReady);
    expect(cm.when()).toBe(10);
    cm.reschedule(30);
    expect(cm.when()).toBe(30);
    expect(String(cm)).toBe('<Timeout [active] when=30>');
    cm.reschedule(30.12345);
    expect(String(cm)).toBe('<Timeout [active] when=30.123>');
    cm.reschedule(null);
    expect(cm.when()).toBe(null);
    loop.callLater(40, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(loop.time()).toBe(40);
    expect(cm.expired()).toBe(false);
    expect(() => cm.reschedule(1)).toThrow(new RuntimeError('Cannot change state of finished Timeout'));
    expect(() => timeoutAt(1).reschedule(2)).toThrow(new RuntimeError('Timeout has not been entered'));
    loop.close();
  });

  it('rescheduling into the past expires at the next iteration', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      yield* sleep(5);
      const cm = timeout(100);
      try {
        yield* cm.run(function* () {
          cm.reschedule(1);
          yield* sleep(100);
        });
      } catch (e) {
        return [(e as Error).name, loop.time()];
      }
    });
    expect(out).toEqual(['TimeoutError', 5]);
    loop.close();
  });

  it('a Timeout is entered once, only inside a task; bad deadlines are rejected', async () => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const cm = timeout(1);
      yield* cm.run(function* () {
        yield* expectThrows(cm.run(() => 0), 'Timeout has already been entered');
      });
      yield* expectThrows(cm.run(() => 0), 'Timeout has already been entered');
    });
    function* expectThrows(c: Generator, msg: string) {
      try {
        yield* c;
      } catch (e) {
        expect((e as Error).message).toBe(msg);
        return;
      }
      throw new Error('did not throw');
    }
    // outside any task (a callback): no task to cancel
    let err: unknown;
    loop.callSoon(() => {
      const cm = timeout(1);
      cm.enter().then(undefined, (e) => (err = e));
    });
    await iterations(loop, 2);
    expect(err).toEqual(new RuntimeError('Timeout should be used inside a task'));
    expect(() => timeout('1' as never)).toThrow(TypeError);
    expect(() => timeoutAt(NaN)).toThrow(RangeError);
    loop.close();
  });
});

describe.each(CORES)('waitFor (%s core)', (core) => {
  it.each(['generator', 'async'] as const)('returns the result in time; TimeoutError and a cancelled inner task after it (%s)', async (kind) => {
    const loop = vloop(core);
    const slowTask = loop.createTask(function* () {
      yield* sleep(5);
      return 'slow';
    });
    const out = await runTask(
      loop,
      kind === 'generator'
        ? function* () {
            const fast = yield* waitFor(sleep(1, 'fast'), 2);
            let err: unknown;
            try {
              yield* waitFor(slowTask, 1);
            } catch (e) {
              err = e;
            }
            return [fast, (err as Error).name, loop.time()];
          }
        : async () => {
            const fast = await waitFor(sleep(1, 'fast'), 2);
            let err: unknown;
            try {
              await waitFor(slowTask, 1);
            } catch (e) {
              err = e;
            }
            return [fast, (err as Error).name, loop.time()];
          },
    );
    expect(out).toEqual(['fast', 'TimeoutError', 2]);
    expect(slowTask.cancelled()).toBe(true);
    loop.close();
  });

  it('a generator or function runs inline in the waiting task and is cancelled there', async () => {
    const loop = vloop(core);
    const log: unknown[] = [];
    const out = await runTask(loop, async () => {
      const me = currentTask();
      try {
        await waitFor(async () => {
          log.push(currentTask() === me);
          await sleep(10);
        }, 1);
      } catch (e) {
        log.push((e as Error).name);
      }
      return loop.time();
    });
    expect(out).toBe(1);
    expect(log).toEqual([true, 'TimeoutError']);
    loop.close();
  });

  it('timeout null waits as long as it takes', async () => {
    const loop = vloop(core);
    expect(await runTask(loop, () => waitFor(sleep(1000, 'late'), null))).toBe('late');
    loop.close();
  });

  it('timeout <= 0: a done future gives its result, a coroutine is never started', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    f.setResult('done');
    let started = false;
    const out = await runTask(loop, function* () {
      const a = yield* waitFor(f, 0);
      let err: unknown;
      try {
        yield* waitFor(function* () {
          started = true;
          yield* sleep(1);
        }, 0);
      } catch (e) {
        err = e;
      }
      return [a, (err as Error).name];
    });
    expect(out).toEqual(['done', 'TimeoutError']);
    expect(started).toBe(false);
    loop.close();
  });

  it('waits for the inner task to finish cancelling before raising TimeoutError', async () => {
    const loop = vloop(core);
    const inner = loop.createTask(function* () {
      try {
        yield* sleep(10);
      } finally {
        yield* sleep(3); // slow cleanup
      }
    });
    const out = await runTask(loop, function* () {
      try {
        yield* waitFor(inner, 1);
      } catch (e) {
        return [(e as Error).name, loop.time(), inner.cancelled()];
      }
    });
    expect(out).toEqual(['TimeoutError', 4, true]);
    loop.close();
  });

  it('an inner coroutine that swallows the cancellation and returns: its value wins', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, async () =>
      waitFor(async () => {
        try {
          await sleep(10);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        return 'swallowed';
      }, 1),
    );
    expect(out).toBe('swallowed');
    loop.close();
  });

  it('an error raised by the inner task while it is cancelled is what waitFor raises', async () => {
    const loop = vloop(core);
    class Foo extends Error {}
    const inner = loop.createTask(function* () {
      try {
        yield* sleep(10);
      } catch {
        throw new Foo('during cancellation');
      }
    });
    await expect(runTask(loop, () => waitFor(inner, 1))).rejects.toBeInstanceOf(Foo);
    loop.close();
  });

  it('cancelling the waiting task cancels the inner one and raises CancelledError, not TimeoutError', async () => {
    const loop = vloop(core);
    const inner = loop.createTask(function* () {
      yield* sleep(10);
    });
    const outer = loop.createTask(async () => waitFor(inner, 5));
    loop.callLater(1, () => outer.cancel());
    await expect(loop.runUntilComplete(outer)).rejects.toBeInstanceOf(CancelledError);
    expect(inner.cancelled()).toBe(true);
    expect(loop.time()).toBe(1);
    loop.close();
  });

  it.each(['generator', 'async'] as const)('a completion racing the deadline in one iteration: first come, first served (%s)', async (kind) => {
    const loop = vloop(core);
    // the result is set before the deadline fires: the task wakes with CancelledError pending, as in
    // asyncio 3.12, and waitFor raises TimeoutError; set after the deadline it is too late as well
    const run = async (resultFirst: boolean) => {
      const f = loop.createFuture<string>();
      const start = loop.time();
      if (resultFirst) loop.callAt(start + 1, () => f.setResult('value'));
      const t =
        kind === 'generator'
          ? loop.createTask(function* () {
              return yield* waitFor(f, 1);
            })
          : loop.createTask(async () => waitFor(f, 1));
      // scheduled after the deadline's timer (made when waitFor started): fires after it at start + 1
      if (!resultFirst) loop.callLater(0.5, () => loop.callAt(start + 1, () => (f.done() ? 'too late' : f.setResult('value'))));
      return loop.runUntilComplete(t).then(
        (v) => v,
        (e) => (e as Error).name,
      );
    };
    expect(await run(true)).toBe('TimeoutError');
    expect(await run(false)).toBe('TimeoutError');
    // a result that comes one iteration before the deadline wins
    const f = loop.createFuture<string>();
    loop.callLater(0.999, () => f.setResult('in time'));
    expect(await runTask(loop, () => waitFor(f, 1))).toBe('in time');
    loop.close();
  });

  it('checks its arguments at the call', () => {
    const loop = vloop(core);
    expect(() => waitFor(42 as never, 1)).toThrow(TypeError);
    expect(() => waitFor(loop.createFuture(), '1' as never)).toThrow(TypeError);
    expect(() => waitFor(loop.createFuture(), NaN)).toThrow(RangeError);
    loop.close();
  });
});
