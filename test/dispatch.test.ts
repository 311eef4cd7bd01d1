/**
 * Batched dispatch (issue #2): one core `tick` per loop iteration hands out the whole batch; on the
 * WASM core that tick is the iteration's only call into WebAssembly, and scheduling, cancelling and
 * running callbacks cross nothing (they are loads and stores on the core's memory).
 */
import { describe, expect, it } from 'vitest';
import { Context, ContextVar, type Handle, type TimerHandle, copyContext } from '../bindings/index.js';
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

  it('one argument dispatch for callSoon, callLater, callAt and callSoonThreadsafe: every argument count, a trailing Context is the context, a Context elsewhere is an argument', async () => {
    const loop = vloop(core);
    const v = new ContextVar<string>('v', { default: 'outer' });
    const ctx = copyContext();
    ctx.run(() => v.set('inner'));
    const shapes: unknown[][] = [[], [1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [undefined], [undefined, undefined], [null, 0]];
    const seen: string[] = [];
    const expected: string[] = [];
    const schedulers: Array<[string, (cb: (...a: unknown[]) => void, ...args: unknown[]) => Handle | TimerHandle]> = [
      ['callSoon', (cb, ...args) => loop.callSoon(cb, ...args)],
      ['callSoonThreadsafe', (cb, ...args) => loop.callSoonThreadsafe(cb, ...args)],
      ['callLater', (cb, ...args) => loop.callLater(1, cb, ...args)],
      ['callAt', (cb, ...args) => loop.callAt(2, cb, ...args)],
    ];
    for (const [name, schedule] of schedulers) {
      for (const args of shapes) {
        for (const withCtx of [false, true]) {
          const tag = `${name}(${args.length}${withCtx ? '+ctx' : ''})`;
          const cb = (...got: unknown[]) => seen.push(`${tag} ${JSON.stringify(got)} ${v.get()}`);
          const h = withCtx ? schedule(cb, ...args, ctx) : schedule(cb, ...args);
          if (name === 'callLater') expect((h as TimerHandle).when()).toBe(1);
          if (name === 'callAt') expect((h as TimerHandle).when()).toBe(2);
          expected.push(`${tag} ${JSON.stringify(args)} ${withCtx ? 'inner' : 'outer'}`);
        }
        // a Context that is not the last argument is passed on as one
        const tag = `${name}(ctx first)`;
        schedule((...got: unknown[]) => seen.push(`${tag} ${got.length} ${got[0] === ctx} ${v.get()}`), ctx, ...args, 'last');
        expected.push(`${tag} ${args.length + 2} true outer`);
      }
    }
    loop.callLater(3, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(expected);
    expect(ctx).toBeInstanceOf(Context);
    loop.close();
  });
});
