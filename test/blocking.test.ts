/**
 * API.md §3: the blocking runners, on both cores.
 * @needs blocking — runForeverSync and runUntilCompleteSync sleep in Atomics.wait
 */
import { describe, expect, it } from 'vitest';
import { newEventLoop } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';

describe.each(CORES)('blocking runners (%s core)', (core) => {
  it('runForeverSync and runUntilCompleteSync block until done', () => {
    const loop = vloop(core);
    const fut = loop.createFuture<string>();
    const seen: number[] = [];
    loop.callLater(2, () => seen.push(loop.time()));
    loop.callLater(5, () => fut.setResult('done'));
    expect(loop.runUntilCompleteSync(fut)).toBe('done');
    expect(seen).toEqual([2]);
    loop.callLater(1, () => loop.stop());
    loop.runForeverSync();
    expect(loop.time()).toBe(6);
    loop.close();
  });

  it('runForeverSync on a real clock sleeps until the next timer', () => {
    const loop = newEventLoop({ core });
    const t0 = loop.time();
    let at = 0;
    loop.callLater(0.05, () => {
      at = loop.time();
      loop.stop();
    });
    loop.runForeverSync();
    expect(at - t0).toBeGreaterThanOrEqual(0.05 - loop.clockResolution);
    expect(at - t0).toBeLessThan(2);
    loop.close();
  });
});
