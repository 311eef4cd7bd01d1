/** Load metrics (loop.stats()): counters, timer lag and ready wait, busy/idle, resets — on both cores. */
// proves: §5.7
import { describe, expect, it } from 'vitest';
import { newEventLoop } from '../bindings/index.js';
import { LogHistogram, SAMPLE_EVERY } from '../bindings/stats.js';
import { CORES, iterations, vloop } from './helpers.js';

/** Within one histogram bucket (8 per octave: 2^(1/8) ≈ 9 % wide) of `v`. */
const nearly = (got: number, v: number) => expect(Math.abs(got - v) / v).toBeLessThan(0.09);

describe.each(CORES)('loop.stats() (%s core)', (core) => {
  it('counts iterations and the callbacks that ran, not the cancelled ones', async () => {
    const loop = vloop(core);
    expect(loop.stats()).toMatchObject({ iterations: 0, callbacks: 0, slowCallbacks: 0 });
    loop.callSoon(() => {});
    loop.callSoon(() => {}).cancel();
    let victim: ReturnType<typeof loop.callSoon> | null = null;
    loop.callSoon(() => victim!.cancel()); // cancelled after its iteration began: skipped by the batch
    victim = loop.callSoon(() => {});
    await iterations(loop, 1);
    await iterations(loop, 2);
    const s = loop.stats();
    expect(s.iterations).toBe(3);
    expect(s.callbacks).toBe(2);
    loop.close();
  });

  it("timer lag: how late each iteration's earliest timer fired, in loop time (virtual clock)", async () => {
    const loop = vloop(core);
    const fired: number[] = [];
    loop.callLater(1, () => fired.push(loop.time()));
    loop.callLater(2, () => fired.push(loop.time()));
    loop.callLater(10, () => {
      fired.push(loop.time());
      loop.stop();
    });
    loop.callSoon(() => loop.advance(3)); // the 1 s and 2 s timers fire at 3 s: 2 s and 1 s late
    await loop.runForever();
    expect(fired).toEqual([3, 3, 10]);
    const { timerLag } = loop.stats();
    expect(timerLag.count).toBe(2); // the iteration at 3 s (its earliest timer 2 s late) and at 10 s (on time)
    expect(timerLag.max).toBe(2);
    expect(timerLag.p50).toBe(0);
    nearly(timerLag.p99, 2);
    loop.close();
  });

  it('timer lag: timers cancelled and ready callbacks in the same batch do not hide the timer that fired', async () => {
    const loop = vloop(core);
    for (let i = 0; i < 3; i++) loop.callLater(1, () => {}).cancel();
    loop.callLater(1, function fired() {
      loop.stop();
    });
    loop.callSoon(() => {
      loop.advance(2);
      loop.callSoon(function ready() {}); // runs in the batch the timer fires in, before it
    });
    await loop.runForever();
    const { timerLag } = loop.stats();
    expect([timerLag.count, timerLag.max]).toEqual([1, 1]); // fired at 2 s, due at 1 s
    loop.close();
  });

  it('ready wait: one callSoon in SAMPLE_EVERY is timed until its iteration begins', async () => {
    const loop = vloop(core);
    let left = SAMPLE_EVERY * 10;
    const hop = () => {
      if (--left > 0) loop.callSoon(hop);
      else loop.stop();
    };
    loop.callSoon(hop);
    await loop.runForever();
    const { readyWait, iterations: n } = loop.stats();
    expect(n).toBe(SAMPLE_EVERY * 10);
    expect(readyWait.count).toBe(10);
    expect(0).toBeLessThanOrEqual(readyWait.p50);
    expect(readyWait.p50).toBeLessThanOrEqual(readyWait.p99);
    expect(readyWait.p99).toBeLessThanOrEqual(readyWait.max);
    loop.close();
  });

  it('slow callbacks are counted where callbacks are timed (an observer, debug mode, a trace)', async () => {
    const loop = vloop(core);
    loop.slowCallbackDuration = 0; // every callback is "slow": the count is exact
    loop.callSoon(() => {});
    await iterations(loop, 1);
    expect(loop.stats().slowCallbacks).toBe(0); // untimed: not counted
    loop.setObserver({ callback() {} });
    loop.callSoon(() => {});
    loop.callSoon(() => {});
    await iterations(loop, 1);
    expect(loop.stats().slowCallbacks).toBe(2);
    loop.close();
  });

  it('busy and idle: idle is the time slept in the host; utilization is busy / (busy + idle)', async () => {
    const loop = newEventLoop({ core });
    const t0 = performance.now();
    loop.callLater(0.01, () => loop.stop());
    await loop.runForever();
    const wall = (performance.now() - t0) / 1000;
    const s = loop.stats();
    expect(s.idle).toBeGreaterThan(0); // it slept until the timer
    expect(s.busy).toBeGreaterThanOrEqual(0);
    // compared at nanoseconds: busy and idle are each converted from ms to s, so their float sum
    // can exceed the same span converted once by one ulp (0.011000000000000001 > 0.011 in a
    // page whose clock is coarsened); no host clock resolves below a nanosecond
    expect(Math.round((s.busy + s.idle) * 1e9)).toBeLessThanOrEqual(Math.round(wall * 1e9));
    expect(s.utilization).toBeCloseTo(s.busy / (s.busy + s.idle), 12);
    // not running: the totals stay put
    const later = loop.stats();
    expect([later.busy, later.idle]).toEqual([s.busy, s.idle]);
    loop.close();
  });

  it('stats({ reset: true }) reads then resets; resetStats() resets', async () => {
    const loop = vloop(core);
    loop.callLater(1, () => {});
    loop.callSoon(() => loop.advance(2));
    await iterations(loop, 2);
    const before = loop.stats({ reset: true });
    expect(before.iterations).toBe(2);
    expect(before.timerLag.count).toBe(1);
    const after = loop.stats();
    expect(after).toMatchObject({ iterations: 0, callbacks: 0, slowCallbacks: 0, busy: 0, idle: 0, utilization: 0 });
    expect(after.timerLag).toEqual({ p50: 0, p99: 0, max: 0, count: 0 });
    loop.callSoon(() => {});
    await iterations(loop, 1);
    expect(loop.stats().iterations).toBe(1);
    loop.resetStats();
    expect(loop.stats().iterations).toBe(0);
    expect(() => loop.stats(5 as never)).toThrow(TypeError);
    loop.close();
  });
});

describe('LogHistogram', () => {
  it('percentiles within a bucket, max and min exact, no sample allocated', () => {
    const h = new LogHistogram();
    for (let i = 1; i <= 1000; i++) h.add(i * 1e-3); // 1 ms .. 1 s
    nearly(h.quantile(0.5), 0.5);
    nearly(h.quantile(0.99), 0.99);
    expect(h.max).toBe(1);
    expect(h.quantile(0)).toBe(1e-3);
    h.add(0);
    h.add(-1); // a clock step backwards counts as no lag
    expect(h.min).toBe(0);
    expect(h.count).toBe(1002);
    h.reset();
    expect(h.summary()).toEqual({ p50: 0, p99: 0, max: 0, count: 0 });
  });
});
