/** The loop observer (loop.setObserver): iteration boundaries and the callbacks each ran, on both cores. */
import { describe, expect, it } from 'vitest';
import type { EventLoop, Handle } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';

/** Records `iteration@time[size]` and each callback's repr, in order. */
function record(loop: EventLoop): string[] {
  const log: string[] = [];
  loop.setObserver({
    iteration: (l, time, size) => {
      expect(l).toBe(loop);
      log.push(`iteration@${time}[${size}]`);
    },
    callback: (h: Handle, start, end) => {
      expect(end).toBeGreaterThanOrEqual(start);
      log.push(String(h));
    },
  });
  return log;
}

describe.each(CORES)('loop observer (%s core)', (core) => {
  it('reports each iteration with its size, then each callback it ran', async () => {
    const loop = vloop(core);
    const log = record(loop);
    function hop(name: string, left: number) {
      if (left > 0) loop.callSoon(hop, name, left - 1);
    }
    loop.callSoon(hop, 'a', 1);
    loop.callSoon(hop, 'b', 0);
    loop.callLater(2, function stopper() {
      loop.stop();
    });
    await loop.runForever();
    expect(log).toEqual([
      'iteration@0[2]',
      '<Handle hop("a", 1)>',
      '<Handle hop("b", 0)>',
      'iteration@0[1]',
      '<Handle hop("a", 0)>',
      'iteration@2[1]',
      '<TimerHandle when=2 stopper()>',
    ]);
    loop.close();
  });

  it('a callback cancelled after its iteration began counts in the size but is not reported', async () => {
    const loop = vloop(core);
    const log = record(loop);
    let victim: Handle | undefined = undefined;
    loop.callSoon(function killer() {
      victim!.cancel();
    });
    victim = loop.callSoon(function victimCb() {});
    loop.callSoon(function stopper() {
      loop.stop();
    });
    await loop.runForever();
    expect(log).toEqual(['iteration@0[3]', '<Handle killer()>', '<Handle stopper()>']);
    loop.close();
  });

  it('removing the observer stops the reports; a bad observer is a TypeError', async () => {
    const loop = vloop(core);
    const log = record(loop);
    loop.setObserver(null);
    expect(loop.getObserver()).toBe(null);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(log).toEqual([]);
    expect(() => loop.setObserver({} as never)).toThrow(TypeError);
    expect(() => loop.setObserver((() => {}) as never)).toThrow(TypeError);
    loop.close();
  });

  it('an observer and debug mode work together: slow callbacks are still reported', async () => {
    const loop = vloop(core, { debug: true });
    const log = record(loop);
    loop.slowCallbackDuration = 0;
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => void warnings.push(a[0]);
    try {
      loop.callSoon(function once() {
        loop.stop();
      });
      await loop.runForever();
    } finally {
      console.warn = warn;
    }
    expect(log).toEqual(['iteration@0[1]', expect.stringMatching(/^<Handle once\(\) created at /)]);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0])).toMatch(/^Executing <Handle once\(\)/);
    loop.close();
  });
});
