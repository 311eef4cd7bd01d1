/** API.md §1: loops and the per-thread policy (main thread; workers are covered by the threads suite). */
// proves: §1.2, §1.3, §1.4, §1.5, §1.6
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLoop, RuntimeError, getEventLoop, getRunningLoop, install, newEventLoop, run, setEventLoop } from '../bindings/index.js';
import { CORES } from './helpers.js';
import { hostile } from './hostile-values.js';

afterEach(() => {
  setEventLoop(null);
  install(); // the default again (install('wasm') would name the core: no fallback, §1.8)
});

describe('policy', () => {
  it('getRunningLoop throws outside a running loop', () => {
    expect(() => getRunningLoop()).toThrow(new RuntimeError('no running event loop'));
  });

  it('getEventLoop on the main thread creates a loop once and keeps it', () => {
    const a = getEventLoop();
    expect(a).toBeInstanceOf(EventLoop);
    expect(getEventLoop()).toBe(a);
    a.close();
  });

  it('setEventLoop sets this thread loop; null unsets', () => {
    const l = newEventLoop({ clock: 'virtual' });
    setEventLoop(l);
    expect(getEventLoop()).toBe(l);
    setEventLoop(null);
    const fresh = getEventLoop();
    expect(fresh).not.toBe(l);
    expect(() => setEventLoop({} as never)).toThrow(TypeError);
    l.close();
    fresh.close();
  });

  it.each(CORES)('the running loop wins over the set loop (%s)', async (core) => {
    const other = newEventLoop({ core, clock: 'virtual' });
    setEventLoop(other);
    const loop = newEventLoop({ core, clock: 'virtual' });
    let seen: EventLoop | undefined;
    let running: EventLoop | undefined;
    loop.callSoon(() => {
      seen = getEventLoop();
      running = getRunningLoop();
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toBe(loop);
    expect(running).toBe(loop);
    loop.close();
    other.close();
  });

  it('install() picks the core of loops made without an explicit one', () => {
    install('js');
    expect(newEventLoop().core).toBe('js');
    expect(newEventLoop({ core: 'wasm' }).core).toBe('wasm');
    install();
    expect(newEventLoop().core).toBe('wasm');
    expect(() => install('c' as never)).toThrow(TypeError);
  });

  it('install() refuses hostile values with a TypeError at the call, and the default core stays as it was', () => {
    install('js');
    fc.assert(
      fc.property(hostile(), ({ value }) => {
        fc.pre(value !== undefined && value !== 'wasm' && value !== 'js');
        expect(() => install(value as never)).toThrow(TypeError);
        const loop = newEventLoop();
        expect(loop.core).toBe('js'); // what install('js') chose, untouched by the refusal
        loop.close();
      }),
      { numRuns: 200 },
    );
  });

  it.each(CORES)('run() runs main to completion on a new loop and closes it (%s)', async (core) => {
    let loopSeen: EventLoop | undefined;
    const result = await run(
      function* main(): Generator<unknown, string, unknown> {
        loopSeen = getRunningLoop();
        const f = loopSeen.createFuture<string>();
        loopSeen.callLater(2, () => f.setResult('ok'));
        return yield* f;
      },
      { core, clock: 'virtual' },
    );
    expect(result).toBe('ok');
    expect(loopSeen!.core).toBe(core);
    expect(loopSeen!.isClosed()).toBe(true);
  });

  it('run() refuses to run inside a running loop', async () => {
    const loop = newEventLoop({ clock: 'virtual' });
    let err: unknown;
    loop.callSoon(() => {
      run(Promise.resolve(1)).catch((e) => (err = e));
      loop.stop();
    });
    await loop.runForever();
    await Promise.resolve();
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toBe('run() cannot be called from a running event loop');
    loop.close();
  });
});
