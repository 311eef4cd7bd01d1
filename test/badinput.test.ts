/** API.md §9: every bad input throws at the call site; nothing is scheduled; the loop still works. */
// proves: §2.2, §9.1
import { describe, expect, it } from 'vitest';
import { newEventLoop } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';

const notFunctions: unknown[] = [undefined, null, 1, 'f', {}, [], Symbol('s')];

describe.each(CORES)('bad input (%s core)', (core) => {
  function expectUnharmed(loop: ReturnType<typeof vloop>) {
    expect(loop._core.readyCount()).toBe(0);
    expect(loop._core.timerCount()).toBe(0);
  }

  it.each(['callSoon', 'callSoonThreadsafe'] as const)('%s: a non-function callback is a TypeError', async (method) => {
    const loop = vloop(core);
    for (const bad of notFunctions) expect(() => (loop[method] as any)(bad)).toThrow(new TypeError(`a callable object was expected by ${method}(), got ${bad == null ? String(bad) : typeof bad === 'object' ? (bad as object).constructor.name : typeof bad === 'string' ? 'string "f"' : typeof bad === 'symbol' ? 'symbol Symbol(s)' : `${typeof bad} ${String(bad)}`}`));
    expectUnharmed(loop);
    const ran: number[] = [];
    loop.callSoon(() => ran.push(1));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toEqual([1]);
    loop.close();
  });

  it.each(['callLater', 'callAt'] as const)('%s: bad callbacks, bad numbers', async (method) => {
    const loop = vloop(core);
    const call = (a: unknown, cb: unknown) => (loop[method] as any)(a, cb);
    for (const bad of notFunctions) expect(() => call(1, bad)).toThrow(TypeError);
    const what = method === 'callLater' ? 'delay' : 'when';
    expect(() => call('1', () => {})).toThrow(new TypeError(`${method}() ${what} must be a number (seconds), got string "1"`));
    expect(() => call(undefined, () => {})).toThrow(TypeError);
    expect(() => call(1n, () => {})).toThrow(TypeError);
    expect(() => call(null, () => {})).toThrow(TypeError);
    expect(() => call(NaN, () => {})).toThrow(new RangeError(`${method}() ${what} must not be NaN`));
    expectUnharmed(loop);
    // Infinity is allowed: it never fires
    const ran: string[] = [];
    call(Infinity, () => ran.push('inf'));
    call(1, () => ran.push('one'));
    loop.callAt(100, () => loop.stop());
    await loop.runForever();
    expect(ran).toEqual(['one']);
    loop.close();
  });

  it('a coroutine, a promise, an async or generator function passed as a callback', () => {
    const loop = vloop(core);
    function* gen() {}
    async function af() {}
    async function* ag() {}
    const cases: Array<[string, (cb: any) => unknown]> = [
      ['callSoon', (cb) => loop.callSoon(cb)],
      ['callLater', (cb) => loop.callLater(1, cb)],
      ['callAt', (cb) => loop.callAt(1, cb)],
      ['callSoonThreadsafe', (cb) => loop.callSoonThreadsafe(cb)],
    ];
    for (const [method, call] of cases) {
      for (const bad of [gen(), Promise.resolve(), gen, af, ag, { then() {} }]) {
        expect(() => call(bad)).toThrow(new TypeError(`coroutines cannot be used with ${method}()`));
      }
    }
    expectUnharmed(loop);
    loop.close();
  });

  it('a negative delay acts as 0', async () => {
    const loop = vloop(core);
    loop.advance(5);
    const h = loop.callLater(-3, () => loop.stop());
    expect(h.when()).toBe(5);
    await loop.runForever();
    expect(loop.time()).toBe(5);
    loop.close();
  });

  it('bad loop options and bad handler arguments', () => {
    expect(() => newEventLoop({ core: 'rust' as never })).toThrow(new TypeError(`core must be 'wasm' or 'js', got string "rust"`));
    expect(() => newEventLoop({ clock: 'wall' as never })).toThrow(TypeError);
    expect(() => newEventLoop({ debug: 1 as never })).toThrow(TypeError);
    // the core's limits, the same on either core
    expect(() => newEventLoop({ core, maximumMemory: '1' as never })).toThrow(new TypeError('maximumMemory must be a number, got string'));
    for (const bad of [NaN, -5, 0, 1.5, 65535, 2 ** 32 + 1, Infinity])
      expect(() => newEventLoop({ core, maximumMemory: bad })).toThrow(new RangeError(`maximumMemory must be an integer from 65536 to 4294967296, got ${bad}`));
    expect(() => newEventLoop({ core, maxEntries: null as never })).toThrow(new TypeError('maxEntries must be a number, got object'));
    for (const bad of [NaN, 0, -1, 2.5, 2 ** 26 + 1])
      expect(() => newEventLoop({ core, maxEntries: bad })).toThrow(new RangeError(`maxEntries must be an integer from 1 to 67108864, got ${bad}`));
    const loop = vloop(core);
    expect(() => loop.setExceptionHandler(5 as never)).toThrow(TypeError);
    expect(() => loop.setDebug('yes' as never)).toThrow(TypeError);
    expect(() => loop.advance(NaN)).toThrow(RangeError);
    expect(() => loop.advance(-1)).toThrow(RangeError);
    expect(() => loop.advance('1' as never)).toThrow(TypeError);
    expect(() => newEventLoop({ core }).advance(1)).toThrow(/virtual clock/);
    loop.close();
  });

  it.each([
    ['maximumMemory', { maximumMemory: 2 * 65536 }, /maximumMemory/],
    ['maxEntries', { maxEntries: 4096 }, /: 4096 callbacks and timers are pending, as many as maxEntries allows$/],
  ] as const)('running out of core memory (%s) is a RangeError that says so; nothing is lost', async (_, limits, why) => {
    const loop = vloop(core, limits);
    const ran: number[] = [];
    let scheduled = 0;
    let error: unknown;
    try {
      for (let i = 0; i < 1e7; i++) {
        loop.callSoon(() => ran.push(i));
        scheduled++;
      }
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^wasmloop: core memory exhausted/);
    expect((error as Error).message).toMatch(why);
    expect(scheduled).toBeGreaterThan(100);
    if ('maxEntries' in limits) expect(scheduled).toBe(limits.maxEntries);
    expect(loop._core.readyCount()).toBe(scheduled); // the refused call scheduled nothing
    // every callback that was accepted runs, in order
    loop.stop();
    await loop.runForever();
    expect(ran).toEqual([...Array(scheduled).keys()]);
    loop.stop();
    await loop.runForever(); // the next iteration frees the slots of the batch that ran
    // timers too: the limit throws, and the timers accepted before it all fire
    let timers = 0;
    let fired = 0;
    expect(() => {
      for (let i = 0; i < 1e7; i++) {
        loop.callLater(1, () => {
          if (++fired === timers) loop.stop();
        });
        timers++;
      }
    }).toThrow(why);
    expect(timers).toBeGreaterThan(100);
    if ('maxEntries' in limits) expect(timers).toBe(limits.maxEntries); // every slot came back after the batch ran
    expect(loop._core.timerCount()).toBe(timers);
    await loop.runForever(); // idle at 0, the clock jumps to 1, every timer fires, the last one stops
    expect(fired).toBe(timers);
    expect(loop.time()).toBe(1);
    // the slots of the batch that just ran return to the core at the start of the next iteration
    loop.stop();
    await loop.runForever();
    const after: string[] = [];
    loop.callSoon(() => after.push('still works'));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(after).toEqual(['still works']);
    loop.close();
  });
});
