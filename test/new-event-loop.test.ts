/**
 * API.md §1.1: newEventLoop(opts) and its three options — core, clock, debug — with their defaults,
 * and hostile option values refused at the call site (no loop made, nothing else changed).
 */
// proves: §1.1
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventLoop, getEventLoop, install, newEventLoop, setEventLoop } from '../bindings/index.js';
import { host } from '../bindings/hosts/index.js';
import { CORES } from './helpers.js';
import { hostile } from './hostile-values.js';

describe('newEventLoop', () => {
  it('makes a new loop each call: not running, not closed, not this thread loop', () => {
    install();
    setEventLoop(null);
    const a = newEventLoop();
    const b = newEventLoop();
    expect(a).toBeInstanceOf(EventLoop);
    expect(a).not.toBe(b);
    expect(a.isRunning()).toBe(false);
    expect(a.isClosed()).toBe(false);
    if (host.isMainThread()) {
      const current = getEventLoop();
      expect(current).not.toBe(a);
      expect(current).not.toBe(b);
      current.close();
    }
    setEventLoop(null);
    a.close();
    b.close();
  });

  it('defaults: the wasm core, the monotonic clock, debug off (unless WASMLOOP_DEBUG=1)', () => {
    install();
    const loop = newEventLoop();
    expect(loop.core).toBe('wasm');
    expect(loop.clock).toBe('monotonic');
    expect(loop.getDebug()).toBe(host.env('WASMLOOP_DEBUG') === '1');
    expect(String(loop)).toContain('core=wasm clock=monotonic');
    loop.close();
  });

  it.each(CORES)('opts.core %s gives that core; opts.clock and opts.debug are kept', async (core) => {
    const loop = newEventLoop({ core, clock: 'virtual', debug: true });
    expect(loop.core).toBe(core);
    expect(loop.clock).toBe('virtual');
    expect(loop.getDebug()).toBe(true);
    expect(String(loop)).toBe(`<wasmloop.EventLoop core=${core} clock=virtual running=false closed=false debug=true>`);
    // the virtual clock: starts at 0, and a 5 s timer fires at 5 with no real wait
    expect(loop.time()).toBe(0);
    let at = -1;
    loop.callLater(5, () => {
      at = loop.time();
      loop.stop();
    });
    await loop.runForever();
    expect(at).toBe(5);
    loop.close();
    const quiet = newEventLoop({ core, debug: false });
    expect(quiet.getDebug()).toBe(false);
    quiet.close();
  });

  it('refuses bad options with a TypeError at the call site', () => {
    expect(() => newEventLoop({ core: 'c' as never })).toThrow(new TypeError(`core must be 'wasm' or 'js', got string "c"`));
    expect(() => newEventLoop({ clock: 'wall' as never })).toThrow(new TypeError(`clock must be 'monotonic' or 'virtual', got string "wall"`));
    expect(() => newEventLoop({ debug: 1 as never })).toThrow(TypeError);
    expect(() => newEventLoop(null as never)).toThrow(TypeError);
    for (const key of ['core', 'clock', 'debug']) expect(() => newEventLoop({ [key]: null } as never)).toThrow(TypeError);
  });

  it('hostile option values: a TypeError or a working loop, never anything else', () => {
    fc.assert(
      fc.property(fc.constantFrom('core', 'clock', 'debug'), hostile(), (key, { value }) => {
        let loop: EventLoop | undefined;
        try {
          loop = newEventLoop({ [key]: value } as never);
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
          return;
        }
        // accepted only when the value is one the contract names, or undefined (the default: null
        // is a TypeError for every option alike), and then the loop has what was asked
        const asDefault = value === undefined;
        expect(asDefault || (key === 'debug' ? typeof value === 'boolean' : ['wasm', 'js', 'monotonic', 'virtual'].includes(value as string))).toBe(true);
        if (key === 'clock') expect(loop.clock).toBe(asDefault ? 'monotonic' : value);
        if (key === 'core' && !asDefault) expect(loop.core).toBe(value);
        loop.close();
      }),
      { numRuns: 100 },
    );
  });
});
