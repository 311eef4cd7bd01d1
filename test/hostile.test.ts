/**
 * Hostile values (issue 14): values with no prototype, throwing getters, `toString`,
 * `Symbol.toPrimitive`, revoked Proxies, Symbols, BigInts, classes, cyclic objects, non-finite
 * numbers (test/hostile-values.ts) handed to every public entry point as callback arguments,
 * thrown values, results, exceptions, cancel messages, delays, names and exception handler
 * contexts. What must hold: the loop never dies (runForever resolves and the rest of the batch
 * runs), every awaiter wakes, nothing is left unhandled, and a bad input gets the documented error
 * at the call site with nothing half-done. Portable: runs in Chromium too.
 */
// proves: §5.1, §9.1
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CancelledError, Event, ExceptionGroup, FIRST_EXCEPTION, Lock, Queue, Task, TaskGroup, TimeoutError, allTasks, createTask, gather, getRunningLoop, run, sleep, timeout, wait, waitFor,
  type EventLoop, type ExceptionContext,
} from '../bindings/index.js';
import { CORES, captureConsole, iterations, runFor, vloop, type CoreName } from './helpers.js';
import { EXOTIC_CASES, hostile, macrotask, watchUnhandled } from './hostile-values.js';

const unhandled = watchUnhandled();
afterAll(async () => {
  await macrotask();
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
});

const RUNS = { numRuns: 100 };
const thrower = (v: unknown) => () => {
  throw v;
};

/** A virtual-clock loop whose exception reports are collected. */
function reporting(core: CoreName, debug = false): { loop: EventLoop; reports: ExceptionContext[] } {
  const loop = vloop(core, { debug });
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => void reports.push(ctx));
  return { loop, reports };
}

/** What API.md §2/§9 say of a delay or `when`: null if accepted, else the error class. */
function delayError(v: unknown): typeof TypeError | typeof RangeError | null {
  if (typeof v !== 'number') return TypeError;
  return v !== v ? RangeError : null;
}

/** Whether a promise resolved with `v` fulfils with `v` itself (no `then` to adopt, none that throws). */
function promiseSafe(v: unknown): boolean {
  try {
    return typeof (v as { then?: unknown } | null | undefined)?.then !== 'function';
  } catch {
    return false;
  }
}

/** Runs `fn`, returning what it threw (undefined if nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The outcome of a future as a task awaiting it sees it: ['ok', v] or ['err', e]. */
async function outcome(loop: EventLoop, fut: PromiseLike<unknown>): Promise<[string, unknown]> {
  const awaiting = loop.createTask(async () => {
    try {
      return ['ok', await fut] as [string, unknown];
    } catch (e) {
      return ['err', e] as [string, unknown];
    }
  });
  return loop.runUntilComplete(awaiting) as Promise<[string, unknown]>;
}

describe.each(CORES)('hostile values (%s core)', (core) => {
  // ---- defect 1: reports of a user value never throw -------------------------------------------

  it('a callback that throws, with a hostile argument or thrown value, is reported and the rest of the batch runs', async () => {
    for (const handler of ['custom', 'default', 'throwing custom'] as const) {
      const loop = vloop(core);
      const reports: ExceptionContext[] = [];
      if (handler === 'custom') loop.setExceptionHandler((_l, ctx) => void reports.push(ctx));
      if (handler === 'throwing custom') loop.setExceptionHandler(thrower(Object.create(null)));
      const ran: string[] = [];
      for (const [label, make] of EXOTIC_CASES) {
        loop.callSoon(thrower(make()) as (a: unknown) => void, make());
        loop.callSoon(thrower(new Error(label)) as (a: unknown, b: unknown) => void, make(), make());
        loop.callSoon(() => void ran.push(label));
      }
      loop.callSoon(() => loop.stop());
      const { errors } = await captureConsole(() => loop.runForever());
      expect(ran).toEqual(EXOTIC_CASES.map(([label]) => label));
      if (handler === 'custom') {
        expect(reports).toHaveLength(2 * EXOTIC_CASES.length);
        for (const r of reports) expect(r.message).toMatch(/^Exception in callback /);
      } else expect(errors.length).toBeGreaterThanOrEqual(2 * EXOTIC_CASES.length);
      loop.close();
    }
  });

  it('a callback whose name getter throws is reported by name <anonymous>', async () => {
    const { loop, reports } = reporting(core);
    const f = Object.defineProperty(thrower(1), 'name', { get: thrower(new Error('name getter')) });
    loop.callSoon(f as (...a: unknown[]) => void, Object.create(null), { toString: thrower(2) }, 'x');
    await iterations(loop);
    expect(reports.map((r) => r.message)).toEqual(['Exception in callback <anonymous>(<object>, <Object object>, "x")']);
  });

  it('debug mode reports slow callbacks with hostile arguments and names', async () => {
    const loop = vloop(core, { debug: true });
    loop.slowCallbackDuration = 0; // every callback is "slow": each is reported
    const ran: number[] = [];
    const named = Object.defineProperty((..._a: unknown[]) => void ran.push(1), 'name', { get: thrower(new Error('name')) });
    for (const [, make] of EXOTIC_CASES) loop.callSoon(named, make(), make());
    loop.callSoon(() => loop.stop());
    const { warnings } = await captureConsole(() => loop.runForever());
    expect(ran).toHaveLength(EXOTIC_CASES.length);
    expect(warnings.length).toBe(EXOTIC_CASES.length + 1);
    for (const [w] of warnings) expect(String(w)).toMatch(/^Executing <Handle .*> took \d+\.\d{3} seconds/s);
  });

  it('reprs of handles, futures and tasks that hold hostile values never throw', async () => {
    const { loop } = reporting(core, true);
    for (const [label, make] of EXOTIC_CASES) {
      const h = loop.callLater(1, (_a: unknown) => {}, make());
      expect(typeof String(h), label).toBe('string');
      h.cancel();
      expect(typeof String(h), label).toBe('string');
      const ok = loop.createFuture();
      ok.setResult(make());
      expect(String(ok), label).toMatch(/^<Future finished result=.*>$/s);
      const v = make();
      const bad = loop.createFuture();
      const refused = thrown(() => bad.setException(v));
      if (refused !== undefined) expect(bad.done(), label).toBe(false); // null, undefined, an Error class whose constructor throws
      else {
        expect(String(bad), label).toMatch(/^<Future finished exception=.*>$/s);
        expect(() => bad.exception()).not.toThrow();
      }
      const pending = loop.createFuture();
      pending.addDoneCallback(Object.defineProperty(() => {}, 'name', { get: thrower(1) }));
      expect(String(pending), label).toBe('<Future pending cb=[<anonymous>]>');
    }
  });

  it('the default exception handler formats hostile contexts and values through console.error', async () => {
    const { loop } = reporting(core);
    loop.setExceptionHandler(null);
    const { errors } = await captureConsole(() => {
      for (const [label, make] of EXOTIC_CASES) {
        loop.callExceptionHandler({ message: make() as string, exception: make(), handle: make(), future: make(), extra: make() } as unknown as ExceptionContext);
        const ctx = make();
        const err = thrown(() => loop.callExceptionHandler(ctx as ExceptionContext));
        if (ctx === null || (typeof ctx !== 'object')) expect(err, label).toBeInstanceOf(TypeError);
        else expect(err, label).toBeUndefined();
      }
    });
    expect(errors.length).toBeGreaterThanOrEqual(EXOTIC_CASES.length);
    for (const [first] of errors) expect(typeof first).toBe('string');
  });

  // ---- defect 2: a task failing with a hostile value wakes its awaiters ------------------------

  it('a task that fails with a hostile value (generator and async function) wakes whatever awaits it', async () => {
    const { loop, reports } = reporting(core);
    for (const [label, make] of EXOTIC_CASES) {
      const v = make();
      const gen = loop.createTask(function* () {
        yield;
        throw v;
      });
      const fn = loop.createTask(async () => {
        await sleep(0);
        throw v;
      });
      for (const t of [gen, fn]) {
        const [kind, got] = await outcome(loop, t);
        expect([kind, Object.is(got, v)], label).toEqual(['err', true]);
        expect(t.done()).toBe(true);
        expect(typeof String(t)).toBe('string');
      }
    }
    expect(reports).toEqual([]);
    await macrotask();
    expect(unhandled.seen).toEqual([]);
  });

  it('a generator task awaiting a task that fails with a hostile value is woken with it', async () => {
    const { loop } = reporting(core);
    for (const [label, make] of EXOTIC_CASES) {
      const v = make();
      const inner = loop.createTask(async () => {
        throw v;
      });
      const outer = loop.createTask(function* () {
        try {
          yield* inner;
          return 'no';
        } catch (e) {
          return Object.is(e, v) ? 'woken with it' : 'woken with another';
        }
      });
      expect(await loop.runUntilComplete(outer), label).toBe('woken with it');
    }
  });

  // ---- defects 3, 19, 20: cancel() ------------------------------------------------------------

  it('cancel(msg) with a message whose conversion throws is refused with a TypeError, the future and its callbacks unchanged', async () => {
    const { loop } = reporting(core);
    for (const msg of [Object.create(null), { toString: thrower(new Error('ts')) }, { [Symbol.toPrimitive]: thrower(1) }]) {
      const fut = loop.createFuture();
      const seen: string[] = [];
      fut.addDoneCallback((f) => void seen.push(f.cancelled() ? 'cancelled' : 'done'));
      expect(() => fut.cancel(msg)).toThrow(TypeError);
      expect(() => fut.cancel(msg)).toThrow(/cancel\(\) message cannot be converted to a string/);
      expect(fut.done()).toBe(false);
      await iterations(loop, 2);
      expect(seen).toEqual([]);
      expect(fut.cancel('then with a string')).toBe(true);
      await iterations(loop);
      expect(seen).toEqual(['cancelled']);
      expect(() => fut.result()).toThrow('then with a string');

      const task = loop.createTask(function* () {
        yield* sleep(10);
      });
      await iterations(loop);
      expect(() => task.cancel(msg)).toThrow(TypeError);
      expect(task.cancelling()).toBe(0);
      task.cancel();
      await expect(loop.runUntilComplete(task)).rejects.toBeInstanceOf(CancelledError);
    }
  });

  it('cancel(msg) keeps a message that converts: a Symbol, a BigInt', async () => {
    const { loop } = reporting(core);
    const a = loop.createFuture();
    a.cancel(Symbol('why') as never);
    expect(() => a.result()).toThrow('Symbol(why)');
    const b = loop.createFuture();
    b.cancel(12n as never);
    expect(() => b.result()).toThrow('12');
  });

  it("test_futures.test_future_cancel_message_getter with None: cancel(null) is asyncio's cancel(None), no message", async () => {
    const { loop } = reporting(core);
    const fut = loop.createFuture();
    expect(fut.cancel(null)).toBe(true);
    const e = thrown(() => fut.result()) as CancelledError;
    expect(e).toBeInstanceOf(CancelledError);
    expect(e.message).toBe('');
    for (const body of [
      function* () {
        yield* sleep(10);
      },
      async () => {
        await sleep(10);
      },
    ]) {
      const t = loop.createTask(body);
      await iterations(loop);
      expect(t.cancel(null)).toBe(true);
      const err = await loop.runUntilComplete(t).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('');
    }
  });

  it('cancel() of a done future returns false and leaves it as it was', async () => {
    const { loop } = reporting(core);
    const failed = loop.createFuture();
    const err = new Error('failed');
    failed.setException(err);
    expect(failed.cancel()).toBe(false);
    expect(failed.cancelled()).toBe(false);
    expect(failed.exception()).toBe(err);
    // a done future does not look at the message (asyncio returns False first)
    expect(failed.cancel({ toString: thrower(1) } as never)).toBe(false);
  });

  // ---- defect 14: advance() -------------------------------------------------------------------

  it('advance() refuses a non-finite, negative or non-number amount at the call site, the clock unmoved', async () => {
    const loop = vloop(core);
    const fired: string[] = [];
    loop.callAt(Infinity, () => void fired.push('Infinity'));
    loop.callLater(5, () => void fired.push('5'));
    for (const v of [Infinity, -Infinity, NaN, -1, -Number.MIN_VALUE]) expect(() => loop.advance(v), String(v)).toThrow(RangeError);
    for (const v of ['1', 1n, null, undefined, {}, Object.create(null), { valueOf: () => 1 }, Symbol('s')]) expect(() => loop.advance(v as never)).toThrow(TypeError);
    expect(loop.time()).toBe(0);
    loop.advance(1);
    expect(loop.time()).toBe(1);
    await iterations(loop, 3);
    expect(fired).toEqual([]);
    await runFor(loop, 100);
    expect(fired).toEqual(['5']);
  });

  // ---- defect 15: callbacks are validated without running user code ----------------------------

  it('a class is refused as a callback at the call site, by every entry that takes one', () => {
    const { loop } = reporting(core);
    class Plain {}
    class Failing extends Error {}
    const fut = loop.createFuture();
    for (const C of [Plain, Failing, class {}]) {
      expect(() => loop.callSoon(C as never)).toThrow(TypeError);
      expect(() => loop.callSoon(C as never)).toThrow(/a class cannot be used as a callback with callSoon\(\)/);
      expect(() => loop.callLater(1, C as never)).toThrow(TypeError);
      expect(() => loop.callAt(1, C as never)).toThrow(TypeError);
      expect(() => loop.callSoonThreadsafe(C as never)).toThrow(TypeError);
      expect(() => fut.addDoneCallback(C as never)).toThrow(TypeError);
      expect(() => loop.setExceptionHandler(C as never)).toThrow(TypeError);
      expect(() => loop.setTaskFactory(C as never)).toThrow(TypeError);
      expect(() => loop.expose('c', C as never)).toThrow(TypeError);
    }
    expect(loop.getExceptionHandler()).not.toBe(Plain);
    // what is not a class: a method named `class`, functions, bound functions, arrows
    const o = { class() {}, 'class '() {} };
    for (const f of [o.class, o['class '], function () {}, () => {}, function classy() {}.bind(null), Math.max, String]) {
      const h = loop.callSoon(f as never);
      h.cancel();
    }
  });

  it('validation of a callback or delay runs no user code: throwing constructor/then getters still get the TypeError', async () => {
    const { loop } = reporting(core);
    let calls = 0;
    const counting = (...keys: PropertyKey[]) => {
      const o = {};
      for (const k of keys)
        Object.defineProperty(o, k, {
          get() {
            calls++;
            throw new Error(`getter ${String(k)}`);
          },
        });
      return o;
    };
    const fut = loop.createFuture();
    for (const v of [counting('constructor'), counting('then'), counting('constructor', 'then', 'next', 'throw', 'name'), counting(Symbol.toPrimitive, 'valueOf', 'toString')]) {
      for (const call of [
        () => loop.callSoon(v as never),
        () => loop.callLater(1, v as never),
        () => loop.callAt(1, v as never),
        () => loop.callSoonThreadsafe(v as never),
        () => fut.addDoneCallback(v as never),
        () => loop.callLater(v as never, () => {}),
        () => loop.callAt(v as never, () => {}),
      ])
        expect(call).toThrow(TypeError);
      expect(await thrownOnLoop(loop, () => sleep(v as never))).toBeInstanceOf(TypeError);
    }
    const fnWithGetter = Object.defineProperty(function f() {}, 'constructor', { get: () => (calls++, 1) });
    loop.callSoon(fnWithGetter).cancel();
    expect(calls).toBe(0);
  });

  it('a revoked Proxy of a function is refused as a callback with a TypeError; a live Proxy of a function is accepted', async () => {
    const { loop, reports } = reporting(core);
    const { proxy, revoke } = Proxy.revocable(() => {}, {});
    revoke();
    expect(() => loop.callSoon(proxy)).toThrow(TypeError);
    const ran: number[] = [];
    loop.callSoon(new Proxy((x: number) => void ran.push(x), {}), 7);
    // a Proxy of a class is not seen as a class (its source text is not its target's): it fails when run, reported
    loop.callSoon(new Proxy(class {}, {}) as never);
    await iterations(loop);
    expect(ran).toEqual([7]);
    expect(reports).toHaveLength(1);
  });

  // ---- found by the suite: JavaScript can throw null --------------------------------------------

  it('gather, wait(FIRST_EXCEPTION) and TaskGroup see a child that threw null as failed (exception() alone cannot tell)', async () => {
    const { loop, reports } = reporting(core);
    const failsWithNull = () =>
      loop.createTask(function* () {
        yield;
        throw null;
      });
    const slow = () => loop.createTask(function* () {
      yield* sleep(10);
      return 'slow';
    });
    const out = await loop.runUntilComplete(
      loop.createTask(function* (): Generator<unknown, unknown[], unknown> {
        const got: unknown[] = [];
        try {
          got.push(['gather ok', yield* gather(failsWithNull(), slow())]);
        } catch (e) {
          got.push(['gather failed with', e]);
        }
        got.push(['returnExceptions', yield* gather(failsWithNull(), { returnExceptions: true })]);
        const [done, pending] = yield* wait([failsWithNull(), slow()], { returnWhen: FIRST_EXCEPTION });
        got.push(['wait', done.size, pending.size]);
        try {
          yield* new TaskGroup().run(function* (tg: TaskGroup) {
            tg.createTask(function* () {
              yield;
              throw null;
            });
          });
          got.push(['taskgroup ok']);
        } catch (e) {
          got.push(['taskgroup failed with', (e as ExceptionGroup).exceptions]);
        }
        return got;
      }),
    );
    expect(out).toEqual([['gather failed with', null], ['returnExceptions', [null]], ['wait', 1, 1], ['taskgroup failed with', [null]]]);
    expect(reports).toEqual([]);
  });

  it('run() reports a leftover task that fails with null at shutdown', async () => {
    const reports: ExceptionContext[] = [];
    await run(
      function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => void reports.push(ctx));
        createTask(function* () {
          try {
            yield* sleep(10);
          } catch {
            throw null;
          }
        });
        yield;
      },
      { core, clock: 'virtual' },
    );
    expect(reports.map((r) => [r.message, r.exception])).toEqual([['unhandled exception during run() shutdown', null]]);
  });

  // ---- properties over every entry point -------------------------------------------------------

  it('property: callbacks scheduled every way with hostile arguments, some throwing hostile values: the loop survives, every other callback runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ how: fc.constantFrom('soon', 'later', 'at', 'threadsafe'), args: fc.array(hostile(), { maxLength: 3 }), throws: fc.option(hostile()), delay: fc.double({ min: -1, max: 5, noNaN: true }) }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (calls, debug) => {
          const { loop, reports } = reporting(core, debug);
          loop.slowCallbackDuration = 0;
          let ran = 0;
          let throwing = 0;
          for (const c of calls) {
            const args = c.args.map((h) => h.value);
            const cb: (...a: unknown[]) => void = c.throws !== null ? thrower(c.throws.value) : () => void ran++;
            if (c.throws !== null) throwing++;
            const h =
              c.how === 'soon' ? loop.callSoon(cb, ...(args as []))
              : c.how === 'later' ? loop.callLater(c.delay, cb, ...(args as []))
              : c.how === 'at' ? loop.callAt(c.delay, cb, ...(args as []))
              : loop.callSoonThreadsafe(cb, ...(args as []));
            expect(typeof String(h)).toBe('string');
          }
          loop.callLater(10, () => loop.stop());
          await captureConsole(() => loop.runForever());
          expect(ran).toBe(calls.length - throwing);
          expect(reports).toHaveLength(throwing);
          loop.close();
        },
      ),
      RUNS,
    );
  });

  it('property: a hostile delay or deadline gets the documented error at the call site with nothing scheduled, or is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(), async ({ value: v }) => {
        const { loop } = reporting(core);
        const expected = delayError(v);
        const ran: string[] = [];
        const entries: Array<[string, () => unknown]> = [
          ['callLater', () => loop.callLater(v as number, () => void ran.push('callLater'))],
          ['callAt', () => loop.callAt(v as number, () => void ran.push('callAt'))],
          ['sleep', () => sleep(v as number)],
          ['timeout', () => timeout(v as number)],
          ['waitFor', () => waitFor(loop.createFuture(), v as number)],
        ];
        for (const [name, call] of entries) {
          const err = await thrownOnLoop(loop, call);
          const exp = name === 'timeout' || name === 'waitFor' ? (v === null ? null : expected) : expected;
          if (exp === null) expect(err, name).toBeUndefined();
          else expect(err, name).toBeInstanceOf(exp);
        }
        const advanceErr = thrown(() => loop.advance(v as number));
        if (typeof v !== 'number') expect(advanceErr).toBeInstanceOf(TypeError);
        else if (!Number.isFinite(v) || v < 0) expect(advanceErr).toBeInstanceOf(RangeError);
        else expect(advanceErr).toBeUndefined();
        await iterations(loop, 2);
        if (expected !== null) expect(ran).toEqual([]);
        loop.close();
      }),
      RUNS,
    );
  });

  it('property: a hostile value as callback is refused with a TypeError or runs; validation never throws anything else', () => {
    fc.assert(
      fc.property(hostile(), ({ value: v }) => {
        const { loop } = reporting(core);
        const fut = loop.createFuture();
        for (const call of [() => loop.callSoon(v as never), () => loop.callLater(0, v as never), () => loop.callAt(0, v as never), () => loop.callSoonThreadsafe(v as never), () => fut.addDoneCallback(v as never)]) {
          const err = thrown(call);
          if (typeof v !== 'function') expect(err).toBeInstanceOf(TypeError);
          else if (err !== undefined) expect(err).toBeInstanceOf(TypeError);
        }
        loop.close();
      }),
      RUNS,
    );
  });

  it('property: a future finished with a hostile result or exception, or cancelled with a hostile message, wakes every awaiter with it', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(), fc.constantFrom('result', 'exception', 'cancel'), async ({ value: v }, how) => {
        const { loop, reports } = reporting(core);
        const fut = loop.createFuture();
        const seen: string[] = [];
        fut.addDoneCallback(() => void seen.push('callback'));
        const viaAsync = loop.createTask(async () => {
          try {
            return ['ok', await fut];
          } catch (e) {
            return ['err', e];
          }
        }) as Task<[string, unknown]>;
        const viaGen = loop.createTask(function* () {
          try {
            return ['ok', yield* fut];
          } catch (e) {
            return ['err', e];
          }
        }) as Task<[string, unknown]>;
        await iterations(loop, 2); // both wait on it now
        let expected: [string, unknown] | null;
        const err = thrown(() => (how === 'result' ? fut.setResult(v) : how === 'exception' ? fut.setException(v) : fut.cancel(v as never)));
        if (err !== undefined) {
          // refused at the call site: the future is untouched, and can still be finished
          expect(fut.done()).toBe(false);
          // (setException(C) of an Error class constructs it: a constructor that throws throws there)
          if (!(how === 'exception' && typeof v === 'function')) expect(err).toBeInstanceOf(TypeError);
          fut.setResult('after');
          expected = ['ok', 'after'];
        } else if (how === 'result') expected = ['ok', v];
        else if (how === 'exception') expected = fut.exception() === v ? ['err', v] : null; // an Error class: made into an instance
        else expected = null;
        expect(typeof String(fut)).toBe('string');
        const a = await loop.runUntilComplete(viaAsync);
        const g = await loop.runUntilComplete(viaGen);
        for (const got of [a, g]) {
          // an await resolves its promise with the value: a thenable (or a `then` that throws) is adopted, as by any promise
          if (got === a && expected !== null && !promiseSafe(expected[1])) expect(['ok', 'err']).toContain(got[0]);
          else if (expected !== null) {
            expect(got[0]).toBe(expected[0]);
            expect(Object.is(got[1], expected[1])).toBe(true);
          } else expect(got[0]).toBe('err');
        }
        if (how === 'cancel' && err === undefined) expect(fut.cancelled()).toBe(true);
        expect(seen).toEqual(['callback']);
        expect(reports).toEqual([]);
        loop.close();
      }),
      RUNS,
    );
  });

  it('property: tasks (generator and async) returning, throwing or yielding hostile values, with hostile names and cancel messages, all finish and wake their awaiters', async () => {
    await fc.assert(
      fc.asyncProperty(hostile(), hostile(), fc.constantFrom('return', 'throw', 'yield'), fc.boolean(), fc.boolean(), async ({ value: v }, { value: name }, how, gen, cancel) => {
        const { loop, reports } = reporting(core);
        const before = loop.createTask(function* () {}); // a task the loop already has
        const body = gen
          ? function* (): Generator<unknown, unknown, unknown> {
              if (how === 'yield') yield v;
              else yield;
              if (how === 'throw') throw v;
              return v;
            }
          : async () => {
              if (how === 'yield') await (v as PromiseLike<unknown>);
              else await sleep(0);
              if (how === 'throw') throw v;
              return v;
            };
        let t: Task<unknown>;
        try {
          t = loop.createTask(body, { name: name as string });
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
          expect(allTasks(loop)).toEqual(new Set([before]));
          t = loop.createTask(body);
        }
        expect(typeof t.getName()).toBe('string');
        if (cancel) {
          const err = thrown(() => t.cancel(v as never));
          if (err !== undefined) expect(err).toBeInstanceOf(TypeError);
        }
        expect(typeof String(t)).toBe('string');
        const got = await outcome(loop, t);
        expect(t.done()).toBe(true);
        expect(typeof String(t)).toBe('string');
        // an async body's return, and any await, resolve a promise with the value: a thenable (or a
        // `then` that throws) is adopted as by any promise, so only other values are compared
        if (!cancel && how === 'return' && promiseSafe(v)) expect(Object.is(got[1], v)).toBe(true);
        if (!cancel && how === 'throw') expect(got[0] === 'err' && Object.is(got[1], v)).toBe(true);
        expect(reports).toEqual([]);
        loop.close();
      }),
      RUNS,
    );
  });

  it('property: gather, Queue, Event, Lock and waitFor pass hostile values through and wake every waiter', async () => {
    // generator tasks throughout: an await would resolve a promise with the value, adopting a
    // thenable (or failing on a `then` that throws) as any promise does; yield* passes it as is
    await fc.assert(
      fc.asyncProperty(fc.array(hostile(), { minLength: 1, maxLength: 4 }), fc.boolean(), async (hs, returnExceptions) => {
        const { loop, reports } = reporting(core);
        const values = hs.map((h) => h.value);
        const caught = function* (body: () => Generator<unknown, unknown, unknown>): Generator<unknown, [string, unknown], unknown> {
          try {
            return ['ok', yield* body()];
          } catch (e) {
            return ['err', e];
          }
        };
        const main = loop.createTask(function* (): Generator<unknown, unknown[], unknown> {
          const out: unknown[] = [];
          // gather: results and failures
          const tasks = values.map((v, i) =>
            loop.createTask(function* () {
              yield;
              if (i % 2) throw v;
              return v;
            }),
          );
          out.push(yield* caught(() => gather(...tasks, { returnExceptions })[Symbol.iterator]()));
          // a queue: what is put is what is got, in order, with a waiting getter woken
          const q = new Queue();
          const getter = loop.createTask(function* () {
            const got: unknown[] = [];
            for (let i = 0; i < values.length; i++) got.push(yield* q.get());
            return got;
          });
          yield;
          for (const v of values) yield* q.put(v);
          out.push(yield* getter);
          // an event and a lock, with a body that fails with a hostile value
          const ev = new Event();
          const waiter = loop.createTask(function* () {
            return yield* ev.wait();
          });
          const lock = new Lock();
          const inLock = yield* caught(() =>
            lock.run(function* () {
              yield;
              ev.set();
              throw values[0];
            })[Symbol.iterator](),
          );
          out.push([inLock, lock.locked(), yield* waiter]);
          // waitFor of a task failing with a hostile value, and of a sleep that times out
          const failing = loop.createTask(function* () {
            yield;
            throw values[0];
          });
          out.push([yield* caught(() => waitFor(failing, 1)[Symbol.iterator]()), yield* caught(() => waitFor(sleep(5, values[0]), 1)[Symbol.iterator]())]);
          return out;
        });
        const [g, q, l, w] = (await loop.runUntilComplete(main)) as Array<any>;
        if (returnExceptions || values.length === 1) {
          expect(g[0]).toBe('ok');
          (g[1] as unknown[]).forEach((r, i) => expect(Object.is(r, values[i])).toBe(true));
        } else expect(g[0] === 'err' && Object.is(g[1], values[1])).toBe(true);
        (q as unknown[]).forEach((r, i) => expect(Object.is(r, values[i])).toBe(true));
        expect(l[0][0] === 'err' && Object.is(l[0][1], values[0])).toBe(true);
        expect(l[1]).toBe(false);
        expect(l[2]).toBe(true);
        expect(w[0][0] === 'err' && Object.is(w[0][1], values[0])).toBe(true);
        expect(w[1][0] === 'err' && w[1][1] instanceof TimeoutError).toBe(true);
        expect(reports).toEqual([]);
        loop.close();
      }),
      { numRuns: 50 },
    );
  });

  it('property: hostile exception handler contexts reach a custom handler as given and the default one without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostile(), { minLength: 4, maxLength: 4 }), async (hs) => {
        const [m, e, h, x] = hs.map((c) => c.value);
        const { loop, reports } = reporting(core);
        const ctx = { message: m, exception: e, handle: h, extra: x } as unknown as ExceptionContext;
        loop.callExceptionHandler(ctx);
        expect(reports).toEqual([ctx]);
        loop.setExceptionHandler(null);
        const { errors } = await captureConsole(() => loop.callExceptionHandler(ctx));
        expect(errors).toHaveLength(1);
        loop.setExceptionHandler(thrower(e));
        const second = await captureConsole(() => loop.callExceptionHandler(ctx));
        expect(second.errors).toHaveLength(1);
        loop.close();
      }),
      RUNS,
    );
  });
});

/** Calls `fn` inside a callback of `loop` (the toolkit binds to the running loop); what it threw, or undefined. */
async function thrownOnLoop(loop: EventLoop, fn: () => unknown): Promise<unknown> {
  let err: unknown = 'not run';
  loop.callSoon(() => {
    err = thrown(fn);
  });
  await iterations(loop);
  return err;
}
