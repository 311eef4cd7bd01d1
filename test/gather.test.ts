/**
 * sleep, gather, shield, wait and asCompleted: what CPython's test_tasks.py asserts about them,
 * re-expressed on the virtual clock.
 */
// proves: §6.4
import { describe, expect, it } from 'vitest';
import {
  ALL_COMPLETED,
  CancelledError,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  Queue,
  Task,
  asCompleted,
  ensureFuture,
  gather,
  shield,
  sleep,
  wait,
} from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('sleep (%s core)', (core) => {
  it('resolves with its result after the delay, from generators and async code', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const a = yield* sleep(1.5, 'x');
      const b: void = yield* sleep(1);
      return [a, b, loop.time()];
    });
    expect(out).toEqual(['x', undefined, 2.5]);
    expect(await runTask(loop, async () => [await sleep(2, 7), loop.time()])).toEqual([7, 4.5]);
    loop.close();
  });

  it('sleep(0) and negative delays give up exactly one iteration', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    loop.createTask(function* () {
      yield* sleep(0);
      log.push('after sleep(0)');
      yield* sleep(-5);
      log.push('after sleep(-5)');
    });
    loop.callSoon(() => log.push('iteration 1'));
    loop.callSoon(() => loop.callSoon(() => log.push('iteration 2')));
    await iterations(loop, 3);
    expect(log).toEqual(['iteration 1', 'after sleep(0)', 'iteration 2', 'after sleep(-5)']);
    expect(loop.time()).toBe(0);
    loop.close();
  });

  it('cancelling the sleep future cancels its timer; bad delays are rejected; where no loop runs it is unbound until a loop uses it', async () => {
    const loop = vloop(core);
    await runTask(loop, function* () {
      const s = sleep(10);
      expect(s.cancel()).toBe(true);
      expect(loop._core.cancelledCount()).toBe(1);
      expect(() => sleep('1' as never)).toThrow(TypeError);
      expect(() => sleep(NaN)).toThrow(RangeError);
      yield* sleep(0);
    });
    const unbound = sleep(1);
    expect(() => unbound.getLoop()).toThrow('no running event loop');
    expect(await loop.runUntilComplete(unbound)).toBe(undefined);
    loop.close();
  });
});

describe.each(CORES)('gather (%s core)', (core) => {
  it('results come in argument order, whatever the completion order; any awaitable is accepted', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    loop.callLater(1, () => f.setResult('future'));
    const out = await runTask(loop, function* () {
      return yield* gather(
        sleep(3, 'slow'),
        f,
        function* () {
          yield* sleep(2);
          return 'generator';
        },
        async () => 'async',
        Promise.resolve('promise'),
      );
    });
    expect(out).toEqual(['slow', 'future', 'generator', 'async', 'promise']);
    expect(loop.time()).toBe(3);
    loop.close();
  });

  it('no arguments: a done future of []', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const g = gather();
      expect(g.done()).toBe(true);
      return yield* g;
    });
    expect(out).toEqual([]);
    loop.close();
  });

  it('the first exception fails the gather; the other children keep running', async () => {
    const loop = vloop(core);
    const slow = loop.createTask(function* () {
      yield* sleep(5);
      return 'finished anyway';
    });
    const failing = loop.createTask(function* () {
      yield* sleep(1);
      throw new RangeError('first');
    });
    const g = gather(slow, failing);
    await expect(loop.runUntilComplete(g)).rejects.toThrow(new RangeError('first'));
    expect(loop.time()).toBe(1);
    expect(slow.done()).toBe(false);
    expect(await loop.runUntilComplete(slow)).toBe('finished anyway');
    loop.close();
  });

  it('returnExceptions: exceptions and CancelledErrors become results', async () => {
    const loop = vloop(core);
    const cancelled = loop.createFuture();
    loop.callLater(1, () => cancelled.cancel('why'));
    const out = await runTask(loop, function* () {
      return yield* gather(
        sleep(1, 'ok'),
        function* () {
          throw new TypeError('bad');
        },
        cancelled,
        { returnExceptions: true },
      );
    });
    expect(out[0]).toBe('ok');
    expect(out[1]).toEqual(new TypeError('bad'));
    expect(out[2]).toEqual(new CancelledError('why'));
    expect(() => gather(loop.createFuture(), { returnExceptions: 'yes' as never })).toThrow(TypeError);
    loop.close();
  });

  it('a child cancelled on its own fails the gather with CancelledError (the gather itself is not cancelled)', async () => {
    const loop = vloop(core);
    const child = loop.createTask(() => sleep(5));
    const g = gather(child, loop.createTask(() => sleep(10)));
    loop.callLater(1, () => child.cancel());
    await expect(loop.runUntilComplete(g)).rejects.toBeInstanceOf(CancelledError);
    expect(g.cancelled()).toBe(false);
    loop.close();
  });

  it('cancelling the gather cancels every child and ends in CancelledError, even with returnExceptions', async () => {
    const loop = vloop(core);
    const a = loop.createTask(() => sleep(5));
    const b = loop.createTask(() => sleep(6));
    const g = gather(a, b, { returnExceptions: true });
    loop.callLater(1, () => expect(g.cancel('stop')).toBe(true));
    await expect(loop.runUntilComplete(g)).rejects.toThrow(new CancelledError('stop'));
    expect([a.cancelled(), b.cancelled()]).toEqual([true, true]);
    expect(g.cancel()).toBe(false);
    loop.close();
  });

  it('cancelling a task awaiting a gather cancels the children', async () => {
    const loop = vloop(core);
    const children: Task<unknown>[] = [];
    const t = loop.createTask(async () => {
      children.push(loop.createTask(() => sleep(5)), loop.createTask(() => sleep(5)));
      await gather(...children);
    });
    loop.callLater(1, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(children.map((c) => c.cancelled())).toEqual([true, true]);
    loop.close();
  });

  it('the same awaitable twice is awaited once and gives its result twice', async () => {
    const loop = vloop(core);
    let runs = 0;
    const t = loop.createTask(function* () {
      runs++;
      yield* sleep(1);
      return 'x';
    });
    expect(await loop.runUntilComplete(gather(t, t))).toEqual(['x', 'x']);
    expect(runs).toBe(1);
    loop.close();
  });

  it('futures of different loops are refused', () => {
    const a = vloop(core);
    const b = vloop(core);
    expect(() => gather(a.createFuture(), b.createFuture())).toThrow(/different loop/);
    a.close();
    b.close();
  });
});

describe.each(CORES)('shield (%s core)', (core) => {
  it('cancelling the shield does not cancel what it protects', async () => {
    const loop = vloop(core);
    const inner = loop.createTask(function* () {
      yield* sleep(5);
      return 'inner done';
    });
    const outer = shield(inner);
    expect(outer).not.toBe(inner);
    loop.callLater(1, () => outer.cancel());
    await expect(loop.runUntilComplete(outer)).rejects.toBeInstanceOf(CancelledError);
    expect(inner.done()).toBe(false);
    expect(await loop.runUntilComplete(inner)).toBe('inner done');
    loop.close();
  });

  it('a task awaiting a shield is cancelled; the shielded work goes on', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    const work = loop.createTask(async () => {
      await sleep(3);
      log.push(`work done at ${loop.time()}`);
    });
    const t = loop.createTask(async () => {
      try {
        await shield(work);
      } catch (e) {
        log.push(`${(e as Error).name} at ${loop.time()}`);
        throw e;
      }
    });
    loop.callLater(1, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    await loop.runUntilComplete(work);
    expect(log).toEqual(['CancelledError at 1', 'work done at 3']);
    loop.close();
  });

  it('the shield follows the inner outcome: result, exception, cancellation; a done inner is returned as is', async () => {
    const loop = vloop(core);
    const ok = loop.createFuture<number>();
    const bad = loop.createFuture<number>();
    const gone = loop.createFuture<number>();
    const [s1, s2, s3] = [shield(ok), shield(bad), shield(gone)];
    ok.setResult(1);
    bad.setException(new Error('inner failed'));
    gone.cancel();
    expect(await loop.runUntilComplete(s1)).toBe(1);
    await expect(loop.runUntilComplete(s2)).rejects.toThrow('inner failed');
    await expect(loop.runUntilComplete(s3)).rejects.toBeInstanceOf(CancelledError);
    expect(s3.cancelled()).toBe(true);
    expect(shield(ok)).toBe(ok);
    loop.close();
  });
});

describe.each(CORES)('wait (%s core)', (core) => {
  const three = (loop: ReturnType<typeof vloop>) => {
    const a = loop.createTask(() => sleep(1, 'a'));
    const b = loop.createTask(function* () {
      yield* sleep(2);
      throw new Error('b failed');
    });
    const c = loop.createTask(() => sleep(3, 'c'));
    return [a, b, c] as Future<unknown>[];
  };

  it('ALL_COMPLETED (default): returns when every future is done, never raising their exceptions', async () => {
    const loop = vloop(core);
    const fs = three(loop);
    const [done, pending] = await runTask(loop, () => wait(fs));
    expect([done.size, pending.size, loop.time()]).toEqual([3, 0, 3]);
    expect((fs[1]!.exception() as Error).message).toBe('b failed');
    loop.close();
  });

  it('FIRST_COMPLETED and FIRST_EXCEPTION return early and leave the rest running', async () => {
    const loop = vloop(core);
    const fs = three(loop);
    // compared by index: deep equality would iterate the futures (they are iterable, for yield*)
    const idx = (s: Set<Future<unknown>>) => [...s].map((f) => fs.indexOf(f));
    const [d1, p1] = await runTask(loop, async () => wait(fs, { returnWhen: FIRST_COMPLETED }));
    expect([idx(d1), idx(p1), loop.time()]).toEqual([[0], [1, 2], 1]);
    const [d2, p2] = await runTask(loop, function* () {
      return yield* wait(fs, { returnWhen: FIRST_EXCEPTION });
    });
    expect([idx(d2), idx(p2), loop.time()]).toEqual([[0, 1], [2], 2]);
    expect(fs[2]!.cancelled()).toBe(false);
    const [d3] = await runTask(loop, () => wait([fs[2]!], { returnWhen: FIRST_EXCEPTION }));
    expect([d3.size, loop.time()]).toEqual([1, 3]);
    expect(fs[1]!.exception()).toEqual(new Error('b failed'));
    loop.close();
  });

  it('a timeout returns what is done so far, without raising', async () => {
    const loop = vloop(core);
    const fs = three(loop);
    const [done, pending] = await runTask(loop, () => wait(fs, { timeout: 2.5, returnWhen: ALL_COMPLETED }));
    expect([done.size, pending.size, loop.time()]).toEqual([2, 1, 2.5]);
    expect(fs[1]!.exception()).toEqual(new Error('b failed'));
    loop.close();
  });

  it('bad arguments are refused at the call', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    expect(() => wait([])).toThrow(new RangeError('Set of Tasks/Futures is empty.'));
    expect(() => wait(f as never)).toThrow(TypeError);
    expect(() => wait([function* () {}()] as never)).toThrow(TypeError);
    expect(() => wait([Promise.resolve()] as never)).toThrow(TypeError);
    expect(() => wait([f], { returnWhen: 'SOMETIMES' as never })).toThrow(RangeError);
    expect(() => wait([f], { timeout: 'x' as never })).toThrow(TypeError);
    loop.close();
  });
});

describe.each(CORES)('asCompleted (%s core)', (core) => {
  it('gives the results in completion order', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const got: string[] = [];
      for (const next of asCompleted([sleep(3, 'c'), sleep(1, 'a'), sleep(2, 'b')])) got.push(`${yield* next}@${loop.time()}`);
      return got;
    });
    expect(out).toEqual(['a@1', 'b@2', 'c@3']);
    loop.close();
  });

  it('async code awaits the same coroutines; exceptions come out of the one that completes with them', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, async () => {
      const failing = loop.createTask(async () => {
        await sleep(1);
        throw new Error('one failed');
      });
      const got: string[] = [];
      for (const next of asCompleted([sleep(2, 'b'), failing])) {
        try {
          got.push(String(await next));
        } catch (e) {
          got.push((e as Error).message);
        }
      }
      return got;
    });
    expect(out).toEqual(['one failed', 'b']);
    loop.close();
  });

  it('for await gives the futures themselves as they complete', async () => {
    const loop = vloop(core);
    const a = loop.createTask(() => sleep(2, 'a'));
    const b = loop.createTask(() => sleep(1, 'b'));
    const out = await runTask(loop, async () => {
      const got: unknown[] = [];
      for await (const f of asCompleted([a, b])) got.push(f);
      return got;
    });
    expect(out.length).toBe(2);
    expect(out[0]).toBe(b);
    expect(out[1]).toBe(a);
    loop.close();
  });

  it('after the timeout, the remaining ones throw TimeoutError', async () => {
    const loop = vloop(core);
    const out = await runTask(loop, function* () {
      const got: string[] = [];
      for (const next of asCompleted([sleep(1, 'fast'), sleep(10, 'slow'), sleep(20, 'slower')], { timeout: 5 })) {
        try {
          got.push(yield* next);
        } catch (e) {
          got.push(`${(e as Error).name}@${loop.time()}`);
        }
      }
      return got;
    });
    expect(out).toEqual(['fast', 'TimeoutError@5', 'TimeoutError@5']);
    loop.close();
  });

  it('refuses a single future or a non-iterable', () => {
    const loop = vloop(core);
    expect(() => asCompleted(loop.createFuture() as never)).toThrow(TypeError);
    expect(() => asCompleted(42 as never)).toThrow(TypeError);
    loop.close();
  });
});

describe.each(CORES)('cancellation reaches async-function calls handed to the toolkit (%s core; issue #14, defect 24)', (core) => {
  for (const kind of ['generator', 'async'] as const) {
    it(`cancelling a ${kind} task awaiting gather(f(1), f(2)) cancels both calls at their awaits; they unwind before the task sees CancelledError`, async () => {
      const loop = vloop(core);
      const log: string[] = [];
      async function f(k: number): Promise<number> {
        try {
          await sleep(10);
          log.push(`f${k} done`);
          return k;
        } finally {
          log.push(`f${k} finally @${loop.time()}`);
        }
      }
      const t =
        kind === 'generator'
          ? loop.createTask(function* () {
              try {
                return yield* gather(f(1), f(2));
              } catch (e) {
                log.push(`task ${(e as Error).name}`);
                throw e;
              }
            })
          : loop.createTask(async () => {
              try {
                return await gather(f(1), f(2));
              } catch (e) {
                log.push(`task ${(e as Error).name}`);
                throw e;
              }
            });
      loop.callLater(1, () => t.cancel());
      await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
      expect(log).toEqual(['f1 finally @1', 'f2 finally @1', 'task CancelledError']);
      await loop.runUntilComplete(loop.createTask(() => sleep(20)));
      expect(log).not.toContain('f1 done');
      expect(log).not.toContain('f2 done');
      loop.close();
    });
  }

  for (const kind of ['generator', 'async'] as const) {
    it(`calls that await more than once are still all reached when the ${kind} task is cancelled later (their later awaits do not displace the gather)`, async () => {
      const loop = vloop(core);
      const log: string[] = [];
      async function f(k: number): Promise<void> {
        try {
          await sleep(1);
          await sleep(k * 10);
          log.push(`f${k} done`);
        } catch (e) {
          log.push(`f${k} ${(e as Error).name} @${loop.time()}`);
          throw e;
        }
      }
      const t =
        kind === 'generator'
          ? loop.createTask(function* () {
              yield* gather(f(1), f(2));
            })
          : loop.createTask(async () => {
              await gather(f(1), f(2));
            });
      loop.callLater(5, () => t.cancel());
      await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
      await loop.runUntilComplete(loop.createTask(() => sleep(30)));
      expect(log).toEqual(['f1 CancelledError @5', 'f2 CancelledError @5']);
      loop.close();
    });
  }

  it("a gather cancelled by someone else while its task awaits something else never cancels the task's own await", async () => {
    const loop = vloop(core);
    const log: string[] = [];
    async function f(k: number): Promise<void> {
      await sleep(10);
      log.push(`f${k} done`);
    }
    const q = new Queue<number>();
    let g!: Future<unknown>;
    const t = loop.createTask(async () => {
      g = gather(f(1), f(2));
      loop.callLater(1, () => g.cancel());
      loop.callLater(2, () => q.putNowait(7));
      log.push(`task got ${await q.get()}`);
    });
    await loop.runUntilComplete(t);
    expect(g.cancelled() || g.exception() instanceof CancelledError).toBe(true);
    // the calls themselves are not reached here (README): they run to their end
    await loop.runUntilComplete(loop.createTask(() => sleep(30)));
    expect(log).toEqual(['task got 7', 'f1 done', 'f2 done']);
    loop.close();
  });

  it('a gather of calls that catch their cancellation still ends cancelled, with their results dropped (asyncio)', async () => {
    const loop = vloop(core);
    async function stubborn(k: number): Promise<number> {
      try {
        await sleep(10);
      } catch {
        return -k;
      }
      return k;
    }
    let g!: Future<number[]>;
    const t = loop.createTask(async () => {
      g = gather(stubborn(1), stubborn(2));
      return await g;
    });
    loop.callLater(1, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(g.cancelled() || g.exception() instanceof CancelledError).toBe(true);
    loop.close();
  });

  it('shield(ensureFuture(f())) does not cancel the async call when the awaiting task is cancelled (asyncio)', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    async function f(): Promise<string> {
      await sleep(5);
      log.push(`f done @${loop.time()}`);
      return 'f';
    }
    let inner!: Future<string>;
    const t = loop.createTask(async () => {
      inner = ensureFuture(f());
      await shield(inner);
    });
    loop.callLater(1, () => t.cancel());
    await expect(loop.runUntilComplete(t)).rejects.toBeInstanceOf(CancelledError);
    expect(await loop.runUntilComplete(inner)).toBe('f');
    expect(log).toEqual(['f done @5']);
    loop.close();
  });
});

describe('toolkit functions called where no loop runs (issue #14, defect 26)', () => {
  it('gather, shield, asCompleted and ensureFuture of coroutines throw RuntimeError at once, naming themselves; nothing is bound to a default loop', () => {
    const gen = () =>
      (function* () {
        return 1;
      })();
    expect(() => gather(gen())).toThrow(/^no running event loop: gather\(\)/);
    expect(() => gather()).toThrow(/^no running event loop: gather\(\)/);
    expect(() => shield(gen())).toThrow(/^no running event loop: shield\(\)/);
    expect(() => asCompleted([gen()])).toThrow(/^no running event loop: asCompleted\(\)/);
    expect(() => ensureFuture(gen())).toThrow(/^no running event loop: ensureFuture\(\)/);
  });

  it('with Futures as arguments they use the Futures loop, as asyncio does', async () => {
    const loop = vloop('js');
    const f = loop.createFuture<number>();
    const g = gather(f);
    const s = shield(f);
    expect(g.getLoop()).toBe(loop);
    expect(s.getLoop()).toBe(loop);
    expect(ensureFuture(f)).toBe(f);
    f.setResult(3);
    expect(await loop.runUntilComplete(g)).toEqual([3]);
    expect(await loop.runUntilComplete(s)).toBe(3);
    loop.close();
  });
});
