/** 10,000,000 schedule+cancel cycles stay under a fixed memory bound, on both cores. */
// proves: §2.13
import { describe, expect, it } from 'vitest';
import { CORES, vloop } from './helpers.js';

const CYCLES = 10_000_000;
const BATCH = 1000;
const BOUND = 4 * 1024 * 1024; // bytes the core may hold, whatever the number of cycles

describe.each(CORES)('bounded memory (%s core)', (core) => {
  it(`${CYCLES.toLocaleString('en')} schedule+cancel cycles stay under ${BOUND / 1048576} MiB`, async () => {
    const loop = vloop(core);
    const noop = () => {};
    let cycles = 0;
    let peak = 0;
    let peakTimers = 0;
    const churn = () => {
      for (let i = 0; i < BATCH; i++) loop.callLater(1 + (i % 50), noop).cancel();
      cycles += BATCH;
      peak = Math.max(peak, loop._core.footprint());
      peakTimers = Math.max(peakTimers, loop._core.timerCount());
      if (cycles < CYCLES) loop.callSoon(churn);
      else loop.stop();
    };
    loop.callSoon(churn);
    await loop.runForever();
    expect(cycles).toBe(CYCLES);
    expect(peakTimers).toBeLessThanOrEqual(2 * BATCH);
    expect(peak).toBeLessThan(BOUND);
    expect(loop._slots.length).toBeLessThanOrEqual(4 * (2 * BATCH + 2)); // the front's callback tables are bounded too
    expect(loop.time()).toBe(0); // nothing ever fired or jumped the clock
    loop.close();
  }, 120_000);
});
