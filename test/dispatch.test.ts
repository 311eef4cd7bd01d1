/**
 * Batched dispatch (issue #2): one core `tick` per loop iteration hands out the whole batch; on the
 * WASM core that tick is the iteration's only call into WebAssembly, and scheduling, cancelling and
 * running callbacks cross nothing (they are loads and stores on the core's memory).
 */
import { describe, expect, it } from 'vitest';
import { CORES, countCalls, iterations, vloop } from './helpers.js';

describe.each(CORES)('batched dispatch (%s core)', (core) => {
  it('one tick per iteration; no call into WebAssembly per callback', async () => {
    const loop = vloop(core);
    // grow the core first, so that the counted iterations need no growth
    for (let i = 0; i < 2000; i++) loop.callSoon(() => {});
    await iterations(loop, 2);
    const counts = countCalls(loop);
    const ran: string[] = [];
    const handles = [];
    for (let i = 0; i < 300; i++) loop.callSoon(() => ran.push('soon'));
    for (let i = 0; i < 300; i++) handles.push(loop.callLater(0, () => ran.push('timer')));
    for (let i = 0; i < 300; i += 2) handles[i]!.cancel();
    loop.callSoon(() => {
      for (let i = 0; i < 100; i++) loop.callSoon(() => ran.push('next'));
    });
    await iterations(loop, 3);
    expect(ran.filter((r) => r === 'soon')).toHaveLength(300);
    expect(ran.filter((r) => r === 'timer')).toHaveLength(150);
    expect(ran.filter((r) => r === 'next')).toHaveLength(100);
    expect(counts.ticks).toBe(3);
    if (core === 'wasm') expect([...counts.exports]).toEqual([['tick', 3]]);
    loop.close();
  });
});
