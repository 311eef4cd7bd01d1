/** API.md §4: the monotonic and the virtual clock. */
// proves: §2.5, §4.1, §4.2
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeError, newEventLoop } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';
import { hostile } from './hostile-values.js';

describe.each(CORES)('clocks (%s core)', (core) => {
  it('the virtual clock starts at 0 and jumps to the next timer at once', async () => {
    const loop = vloop(core);
    expect(loop.time()).toBe(0);
    const seen: number[] = [];
    const started = performance.now();
    loop.callLater(8, () => {
      seen.push(loop.time());
      loop.stop();
    });
    loop.callLater(3, () => seen.push(loop.time()));
    await loop.runForever();
    expect(seen).toEqual([3, 8]);
    expect(performance.now() - started).toBeLessThan(1000); // 8 virtual seconds, no real waiting
    loop.close();
  });

  it('advance() moves virtual time by hand', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    loop.callLater(10, () => seen.push(loop.time()));
    loop.callSoon(() => {
      loop.advance(4);
      seen.push(loop.time());
    });
    loop.callLater(5, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([4]);
    expect(loop.time()).toBe(5);
    loop.close();
  });

  it('an async function resuming at virtual time 1 observes time 1', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    const f1 = loop.createFuture();
    loop.callLater(1, () => f1.setResult(undefined));
    loop.callLater(2, () => loop.stop());
    const task = (async () => {
      await f1;
      // a chain of reactions after the wake-up
      await Promise.resolve();
      await Promise.resolve();
      seen.push(loop.time());
    })();
    await loop.runForever();
    await task;
    expect(seen).toEqual([1]);
    loop.close();
  });

  it('the monotonic clock follows performance.now in seconds', async () => {
    const loop = newEventLoop({ core });
    const a = loop.time();
    const b = performance.now() / 1000;
    expect(Math.abs(a - b)).toBeLessThan(0.05);
    expect(loop.clockResolution).toBeGreaterThan(0);
    expect(loop.clockResolution).toBeLessThan(0.01);
    loop.close();
  });

  it('real-clock smoke test: timers fire in order, not early, within generous bounds', async () => {
    const loop = newEventLoop({ core });
    const start = loop.time();
    const fired: Array<[number, number]> = [];
    for (const d of [0.05, 0.01, 0.03, 0]) loop.callLater(d, () => fired.push([d, loop.time() - start]));
    loop.callLater(0.08, () => loop.stop());
    await loop.runForever();
    expect(fired.map(([d]) => d)).toEqual([0, 0.01, 0.03, 0.05]);
    for (const [d, at] of fired) {
      expect(at).toBeGreaterThanOrEqual(d - loop.clockResolution);
      expect(at).toBeLessThan(d + 1.5);
    }
    loop.close();
  });

  it('hostile clock options and advance() arguments: a clear error at the call, the clock unmoved; a monotonic loop refuses advance() whatever it is given', () => {
    const real = newEventLoop({ core });
    const virtual = vloop(core);
    fc.assert(
      fc.property(hostile(), ({ value }) => {
        // undefined: the default clock; null is a TypeError, as for every option
        if (value !== 'monotonic' && value !== 'virtual' && value !== undefined) expect(() => newEventLoop({ core, clock: value as never })).toThrow(/^clock must be 'monotonic' or 'virtual', got /);
        expect(() => real.advance(value as never)).toThrow(RuntimeError);
        const before = virtual.time();
        let moved = false;
        try {
          virtual.advance(value as never);
          moved = true;
        } catch (e) {
          expect(e instanceof TypeError || e instanceof RangeError).toBe(true);
        }
        if (moved) {
          // only a finite number of seconds, not negative, moves it, to a finite time
          expect(typeof value === 'number' && Number.isFinite(value) && value >= 0 && Number.isFinite(before + value)).toBe(true);
          expect(virtual.time()).toBe(before + (value as number));
        } else expect(virtual.time()).toBe(before);
      }),
      { numRuns: 300 },
    );
    for (const ok of [0, 1.5, Number.MIN_VALUE]) {
      const t = virtual.time();
      virtual.advance(ok);
      expect(virtual.time()).toBe(t + ok);
    }
    // a sum of finite steps may not reach Infinity either
    virtual.advance(Number.MAX_VALUE - virtual.time());
    const top = virtual.time();
    expect(() => virtual.advance(Number.MAX_VALUE)).toThrow(/past the largest finite time/);
    expect(virtual.time()).toBe(top);
    const l = newEventLoop({ core, clock: undefined });
    expect(l.clock).toBe('monotonic');
    l.close();
    expect(() => newEventLoop({ core, clock: null as never })).toThrow(new TypeError(`clock must be 'monotonic' or 'virtual', got null`));
    real.close();
    virtual.close();
  });
});
