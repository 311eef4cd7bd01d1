/** API.md §2: the seven ordering rules, on both cores, on the virtual clock. */
// proves: §2.1, §2.7, §2.8, §2.9, §2.10, §2.11, §2.12, §2.13
import { describe, expect, it } from 'vitest';
import { CORES, runFor, vloop } from './helpers.js';

describe.each(CORES)('ordering rules (%s core)', (core) => {
  it('rule 1: callbacks run one at a time, never concurrently', async () => {
    const loop = vloop(core);
    let active = 0;
    let maxActive = 0;
    const cb = () => {
      active++;
      maxActive = Math.max(maxActive, active);
      active--;
    };
    for (let i = 0; i < 50; i++) loop.callSoon(cb);
    for (let i = 0; i < 50; i++) loop.callLater(i / 10, cb);
    loop.callLater(10, () => loop.stop());
    await loop.runForever();
    expect(maxActive).toBe(1);
    loop.close();
  });

  it('rule 2: callSoon callbacks run in the order they were scheduled', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    for (let i = 0; i < 1000; i++) loop.callSoon((n: number) => seen.push(n), i);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([...Array(1000).keys()]);
    loop.close();
  });

  it('rule 3: an iteration runs exactly what was ready when it began', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    let iteration = 0;
    // a trampoline that reschedules itself never starves the others
    const tramp = (n: number) => {
      log.push(`t${n}@${iteration}`);
      if (n < 3) loop.callSoon(tramp, n + 1);
    };
    const marker = () => {
      iteration++;
      log.push(`m@${iteration}`);
      if (iteration < 4) loop.callSoon(marker);
      else loop.stop();
    };
    loop.callSoon(tramp, 0);
    loop.callSoon(marker);
    await loop.runForever();
    expect(log).toEqual(['t0@0', 'm@1', 't1@1', 'm@2', 't2@2', 'm@3', 't3@3', 'm@4']);
    loop.close();
  });

  it('rule 4: expired timers join after the callbacks already ready, in order of when', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    loop.callLater(0.2, () => log.push('t0.2'));
    loop.callLater(0.1, () => log.push('t0.1'));
    loop.callSoon(() => {
      log.push('s1');
      loop.callSoon(() => log.push('s2'));
      loop.advance(1); // both timers are due when the next iteration begins
    });
    loop.callLater(2, () => loop.stop());
    await loop.runForever();
    expect(log).toEqual(['s1', 's2', 't0.1', 't0.2']);
    loop.close();
  });

  it('rule 4: a timer within clockResolution of now is ready', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    loop.callSoon(() => {
      loop.callAt(loop.time() + loop.clockResolution / 2, () => seen.push(loop.time()));
    });
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([0]);
    loop.close();
  });

  it('rule 5: equal deadlines fire in scheduling order', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    for (let i = 0; i < 500; i++) loop.callAt(1 + (i % 3), (n: number) => seen.push(n), i);
    loop.callAt(10, () => loop.stop());
    await loop.runForever();
    const expected = [0, 1, 2].flatMap((r) => [...Array(500).keys()].filter((i) => i % 3 === r));
    expect(seen).toEqual(expected);
    loop.close();
  });

  it('rule 6: a cancelled handle never runs; cancel is idempotent and a no-op after the run', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    const a = loop.callSoon(() => seen.push('a'));
    const b = loop.callLater(1, () => seen.push('b'));
    const c = loop.callSoon(() => seen.push('c'));
    a.cancel();
    a.cancel();
    b.cancel();
    expect(a.cancelled()).toBe(true);
    expect(b.cancelled()).toBe(true);
    // cancelled during the same iteration, before its turn
    loop.callSoon(() => d.cancel());
    const d = loop.callSoon(() => seen.push('d'));
    loop.callLater(2, () => loop.stop());
    await loop.runForever();
    c.cancel(); // after it ran: a no-op
    expect(seen).toEqual(['c']);
    expect(c.cancelled()).toBe(true);
    loop.close();
  });

  it('rule 6: a stale handle cannot cancel the callback that reuses its slot', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    const old = loop.callSoon(() => seen.push('old'));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    // the old slot is free now and will be reused
    const fresh = Array.from({ length: 8 }, (_, i) => loop.callSoon(() => seen.push(`new${i}`)));
    old.cancel();
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(['old', ...fresh.map((_, i) => `new${i}`)]);
    loop.close();
  });

  it('rule 7: cancelled timers are dropped lazily and the heap is compacted past half of >= 100', async () => {
    const loop = vloop(core);
    const hs = Array.from({ length: 200 }, (_, i) => loop.callLater(100 + i, () => {}));
    for (let i = 0; i < 101; i++) hs[i * 2 - (i >= 100 ? 1 : 0)]!.cancel();
    expect(loop._core.timerCount()).toBe(200);
    expect(loop._core.cancelledCount()).toBe(101);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(loop._core.timerCount()).toBe(99);
    expect(loop._core.cancelledCount()).toBe(0);
    loop.close();
  });

  it('rule 7: below the threshold only cancelled timers at the top are popped', async () => {
    const loop = vloop(core);
    const hs = Array.from({ length: 99 }, (_, i) => loop.callLater(100 + i, () => {}));
    for (let i = 0; i < 99; i += 2) hs[i]!.cancel(); // 50 of 99: more than half, but fewer than 100
    const cancelled = hs.filter((h) => h.cancelled()).length;
    expect(cancelled).toBe(50);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    // hs[0] is cancelled, hs[1] is not: exactly one is popped off the top
    expect(hs[0]!.cancelled()).toBe(true);
    expect(hs[1]!.cancelled()).toBe(false);
    expect(loop._core.timerCount()).toBe(98);
    expect(loop._core.cancelledCount()).toBe(cancelled - 1);
    loop.close();
  });

  it('rule 7: scheduling and cancelling forever keeps the heap bounded', async () => {
    const loop = vloop(core);
    let rounds = 0;
    let maxTimers = 0;
    const churn = () => {
      for (let i = 0; i < 1000; i++) loop.callLater(10 + i, () => {}).cancel();
      maxTimers = Math.max(maxTimers, loop._core.timerCount());
      if (++rounds < 200) loop.callSoon(churn);
      else loop.stop();
    };
    loop.callSoon(churn);
    await runFor(loop);
    expect(maxTimers).toBeLessThanOrEqual(2000);
    loop.close();
  });
});
