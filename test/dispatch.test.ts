/**
 * Batched dispatch (issue #2): one core `tick` per loop iteration hands out the whole batch; on the
 * WASM core that tick is the iteration's only call into WebAssembly, and scheduling, cancelling and
 * running callbacks cross nothing (they are loads and stores on the core's memory).
 */
import { describe, expect, it } from 'vitest';
import type { EventLoop } from '../bindings/index.js';
import { CORES, iterations, vloop } from './helpers.js';

/** Counts every call the loop makes into its core's `tick`, and on the WASM core into any WebAssembly export. */
function countCalls(loop: EventLoop): { ticks: number; exports: Map<string, number> } {
  const counts = { ticks: 0, exports: new Map<string, number>() };
  const core = loop._core as any;
  const tick = core.tick.bind(core);
  core.tick = (now: number, resolution: number) => {
    counts.ticks++;
    return tick(now, resolution);
  };
  if (core.kind === 'wasm') {
    // the exports object is frozen: count through a copy whose functions count their calls
    const ex = core.ex as Record<string, unknown>;
    const counted: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(ex)) {
      counted[name] =
        typeof v !== 'function'
          ? v
          : (...args: unknown[]) => {
              counts.exports.set(name, (counts.exports.get(name) ?? 0) + 1);
              return (v as (...a: unknown[]) => unknown)(...args);
            };
    }
    core.ex = counted;
  }
  return counts;
}

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
