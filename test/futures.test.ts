/**
 * API.md §6, Future: asyncio's state machine and done callbacks (re-expressing what CPython's
 * test_futures.py asserts), and the thenable and iterable faces. The "exception was never
 * retrieved" report needs a forced garbage collection: test/futures-gc.test.ts.
 */
// proves: §6.1
import { describe, expect, it } from 'vitest';
import { CancelledError, Context, ContextVar, Future, InvalidStateError, RuntimeError, copyContext, isFuture } from '../bindings/index.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('Future (%s core)', (core) => {
  it('starts pending; result() and exception() are InvalidStateError until it is done', () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    expect(f.done()).toBe(false);
    expect(f.cancelled()).toBe(false);
    expect(() => f.result()).toThrow(new InvalidStateError('Result is not ready.'));
    expect(() => f.exception()).toThrow(new InvalidStateError('Exception is not set.'));
    expect(f.getLoop()).toBe(loop);
    expect(isFuture(f)).toBe(true);
    expect(isFuture(Promise.resolve())).toBe(false);
    loop.close();
  });

  it('setResult finishes it once: result() returns it, exception() is null, the rest is InvalidStateError', () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    f.setResult(42);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(42);
    expect(f.exception()).toBe(null);
    expect(() => f.setResult(1)).toThrow(InvalidStateError);
    expect(() => f.setResult(1)).toThrow(/^FINISHED: <Future finished result=42>$/);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
    expect(f.result()).toBe(42);
    loop.close();
  });

  it('setException finishes it with the error: result() throws it, exception() returns it', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const err = new RangeError('bad');
    f.setException(err);
    expect(() => f.result()).toThrow(err);
    expect(f.exception()).toBe(err);
    expect(() => f.setResult(1)).toThrow(InvalidStateError);
    expect(() => f.setException(err)).toThrow(InvalidStateError);
    expect(f.cancel()).toBe(false);
    loop.close();
  });

  it('setException with an Error class makes an instance; with nothing it is a TypeError', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    f.setException(RangeError);
    expect(f.exception()).toBeInstanceOf(RangeError);
    const g = loop.createFuture();
    expect(() => g.setException(undefined)).toThrow(TypeError);
    expect(() => g.setException(null)).toThrow(TypeError);
    expect(g.done()).toBe(false);
    loop.close();
  });

  it('cancel(msg) cancels a pending future once; result() and exception() throw CancelledError(msg)', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    expect(f.cancel('my message')).toBe(true);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    expect(f.cancel('again')).toBe(false);
    expect(() => f.result()).toThrow(new CancelledError('my message'));
    expect(() => f.exception()).toThrow(CancelledError);
    expect(() => f.setResult(1)).toThrow(/^CANCELLED: /);
    expect(() => f.setException(new Error())).toThrow(InvalidStateError);
    const g = loop.createFuture();
    g.cancel();
    expect(() => g.result()).toThrow(new CancelledError(''));
    loop.close();
  });

  it('done callbacks are never called inline: they run at the next iteration, in order, with the future', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    const bag: unknown[] = [];
    f.addDoneCallback((x) => bag.push(['a', x]));
    f.addDoneCallback((x) => bag.push(['b', x.result()]));
    f.setResult('r');
    expect(bag).toEqual([]);
    // added after completion: scheduled at once, still not inline
    f.addDoneCallback(() => bag.push('c'));
    expect(bag).toEqual([]);
    await iterations(loop, 1);
    expect(bag).toEqual([['a', f], ['b', 'r'], 'c']);
    loop.close();
  });

  it('callbacks run on cancel and on setException too', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    const a = loop.createFuture();
    const b = loop.createFuture();
    a.addDoneCallback((f) => seen.push(`a cancelled=${f.cancelled()}`));
    b.addDoneCallback((f) => seen.push(`b ${(f.exception() as Error).message}`));
    a.cancel();
    b.setException(new Error('x'));
    await iterations(loop, 1);
    expect(seen).toEqual(['a cancelled=true', 'b x']);
    loop.close();
  });

  it('removeDoneCallback removes every registration of a function and says how many', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const bag: number[] = [];
    const cb1 = () => bag.push(1);
    const cb2 = () => bag.push(2);
    f.addDoneCallback(cb1);
    f.addDoneCallback(cb2);
    f.addDoneCallback(cb1);
    expect(f.removeDoneCallback(cb1)).toBe(2);
    expect(f.removeDoneCallback(cb1)).toBe(0);
    f.setResult(0);
    await iterations(loop, 1);
    expect(bag).toEqual([2]);
    loop.close();
  });

  it('a callback that removes a later one while callbacks are being scheduled does not disturb them', async () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const bag: number[] = [];
    const second = () => bag.push(2);
    f.addDoneCallback(() => {
      bag.push(1);
      f.removeDoneCallback(second); // already scheduled: it still runs, as in asyncio
    });
    f.addDoneCallback(second);
    f.setResult(0);
    await iterations(loop, 1);
    expect(bag).toEqual([1, 2]);
    loop.close();
  });

  it('a done callback runs in the context it was added with (or a copy of the current one)', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'none' });
    const f = loop.createFuture();
    const seen: string[] = [];
    const ctx = new Context();
    ctx.run(() => v.set('explicit'));
    f.addDoneCallback(() => seen.push(v.get()), ctx);
    copyContext().run(() => {
      v.set('copied');
      f.addDoneCallback(() => seen.push(v.get()));
    });
    f.setResult(0);
    await iterations(loop, 1);
    expect(seen).toEqual(['explicit', 'copied']);
    expect(v.get()).toBe('none');
    loop.close();
  });

  it('addDoneCallback checks its arguments', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    expect(() => f.addDoneCallback(42 as never)).toThrow(TypeError);
    expect(() => f.addDoneCallback(() => {}, {} as never)).toThrow(TypeError);
    expect(() => new Future(7 as never)).toThrow(TypeError);
    expect(new Future({ loop }).getLoop()).toBe(loop);
    loop.close();
  });

  it('repr shows state, result or exception, and pending callbacks', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    expect(String(f)).toBe('<Future pending>');
    f.addDoneCallback(function onDone() {});
    expect(String(f)).toBe('<Future pending cb=[onDone]>');
    f.addDoneCallback(function last() {});
    expect(String(f)).toBe('<Future pending cb=[onDone, last]>');
    for (let i = 0; i < 8; i++) f.addDoneCallback(function middle() {});
    f.addDoneCallback(function last() {});
    expect(String(f)).toBe('<Future pending cb=[onDone, <9 more>, last]>');
    const g = loop.createFuture();
    g.setResult('x');
    expect(String(g)).toBe('<Future finished result="x">');
    const h = loop.createFuture();
    h.setException(new TypeError('t'));
    expect(String(h)).toBe('<Future finished exception=TypeError("t")>');
    h.exception();
    const c = loop.createFuture();
    c.cancel();
    expect(String(c)).toBe('<Future cancelled>');
    expect(Object.prototype.toString.call(c)).toBe('[object Future]');
    loop.close();
  });

  it('await settles at the iteration after completion, with the result or the exception', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    const g = loop.createFuture<number>();
    loop.callLater(1, () => f.setResult(7));
    loop.callLater(2, () => g.setException(new Error('no')));
    const seen: unknown[] = [];
    const p = (async () => {
      seen.push(await f, loop.time());
      try {
        await g;
      } catch (e) {
        seen.push((e as Error).message, loop.time());
      }
    })();
    loop.callLater(3, () => loop.stop());
    await loop.runForever();
    await p;
    expect(seen).toEqual([7, 1, 'no', 2]);
    loop.close();
  });

  it('then/catch/finally behave as a promise of the outcome', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    const g = loop.createFuture<number>();
    const c = loop.createFuture<number>();
    const results = Promise.all([
      f.then((v) => v * 2),
      g.catch((e: Error) => e.message),
      c.then(
        () => 'no',
        (e) => e instanceof CancelledError,
      ),
      f.finally(() => undefined),
      Promise.resolve(f),
    ]);
    f.setResult(21);
    g.setException(new Error('caught'));
    c.cancel();
    expect(await loop.runUntilComplete(results)).toEqual([42, 'caught', true, 21, 21]);
    loop.close();
  });

  it('a then() callback is never called inline, even on a done future', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<number>();
    f.setResult(1);
    let called = false;
    const p = f.then(() => (called = true));
    expect(called).toBe(false);
    await iterations(loop, 1);
    await p;
    expect(called).toBe(true);
    loop.close();
  });

  it('yield* of a done future returns at once and can be repeated', async () => {
    const loop = vloop(core);
    const f = loop.createFuture<string>();
    f.setResult('x');
    const out = await runTask(loop, function* () {
      const a = yield* f;
      const b = yield* f;
      return a + b;
    });
    expect(out).toBe('xx');
    loop.close();
  });

  it('driving a future iterator without a task is refused', () => {
    const loop = vloop(core);
    const f = loop.createFuture();
    const it = f[Symbol.iterator]();
    expect(it.next().value).toBe(f);
    expect(() => it.next()).toThrow(new RuntimeError("yield* wasn't used with future"));
    loop.close();
  });
});
