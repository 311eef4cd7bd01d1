/**
 * The host adapter (bindings/hosts/), in whichever runtime runs the suite: Node, Bun, Deno, a
 * browser window or a Web Worker. Each test states a behaviour every host must have; where hosts
 * legitimately differ (a browser window may not block) the test checks that the difference is the
 * documented one, so each runtime proves its own side.
 */
// proves: §1.2, §1.7, §3.3
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeError, getEventLoop, newEventLoop, setEventLoop } from '../bindings/index.js';
import { createWasmCore } from '../bindings/core/wasm.js';
import { decodeBase64, decodeBase64ByHand } from '../bindings/hosts/common.js';
import { detectHost, host } from '../bindings/hosts/index.js';

const g = globalThis as any;

/** Base64 of bytes, without any host decoder: the reference the decoders are checked against. */
function toBase64(bytes: Uint8Array): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += A[(n >> 18) & 63]! + A[(n >> 12) & 63]! + (i + 1 < bytes.length ? A[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? A[n & 63]! : '=');
  }
  return s;
}

describe('host adapter', () => {
  it('the adapter in use is the one for this runtime', () => {
    const expected = g.Bun ? 'bun' : g.Deno ? 'deno' : g.process?.versions?.node ? 'node' : typeof g.document === 'object' ? 'browser' : 'worker';
    expect(detectHost()).toBe(expected);
    expect(host.name).toBe(expected);
    expect(host.version).not.toBe('');
  });

  it('every base64 decoder gives the same bytes as the reference', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toBase64(bytes);
        const want = [...bytes];
        expect([...host.decodeBase64(text)]).toEqual(want);
        expect([...decodeBase64(text)]).toEqual(want);
        expect([...decodeBase64ByHand(text)]).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('yieldToHost resolves on a fresh macrotask, after a long chain of promise reactions', async () => {
    let hops = 0;
    let chainDone = false;
    const chain = (n: number): Promise<void> =>
      Promise.resolve().then(() => {
        hops++;
        if (n > 0) return chain(n - 1);
        chainDone = true;
      });
    const yielded = host.yieldToHost().then(() => chainDone);
    void chain(1000);
    expect(await yielded).toBe(true);
    expect(hops).toBe(1001);
  });

  it('many yields in a row all resolve, in order', async () => {
    const order: number[] = [];
    await Promise.all(Array.from({ length: 100 }, (_, i) => host.yieldToHost().then(() => order.push(i))));
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('yieldToHost never goes through setTimeout (clamped to 4 ms once nested)', async () => {
    const real = g.setTimeout;
    let calls = 0;
    g.setTimeout = (...args: unknown[]) => {
      calls++;
      return real(...args);
    };
    try {
      for (let i = 0; i < 20; i++) await host.yieldToHost();
    } finally {
      g.setTimeout = real;
    }
    expect(calls).toBe(0);
  });

  it('a host timer sleeps at least its delay, and a cleared one never fires', async () => {
    let cleared = false;
    const t = host.setTimer(() => (cleared = true), 5);
    host.clearTimer(t);
    const t0 = host.now();
    await new Promise<void>((resolve) => host.setTimer(resolve, 20));
    expect(host.now() - t0).toBeGreaterThanOrEqual(19);
    expect(cleared).toBe(false);
  });

  it('the monotonic clock never goes back', () => {
    let last = host.now();
    for (let i = 0; i < 10_000; i++) {
      const t = host.now();
      expect(t >= last).toBe(true);
      last = t;
    }
  });

  it('relative module URLs resolve against the page, or the working directory where there is a process', () => {
    const base = host.baseUrl();
    if (typeof g.location?.href === 'string') expect(base).toBe(g.location.href);
    else if (host.name === 'node' || host.name === 'bun') expect(base).toBe(new URL(`file://${g.process.cwd()}/`).href);
    // Deno: its working directory needs --allow-read, and without it there is no base
    else if (base !== null) expect(base).toMatch(/^file:\/\/\/.*\/$/);
    if (base !== null) expect(new URL('a/b.js', base).href).toBe(`${base.replace(/[^/]*$/, '')}a/b.js`);
  });

  it('an unset environment variable reads as undefined, never throws', () => {
    expect(host.env('WASMLOOP_SURELY_UNSET_VARIABLE')).toBe(undefined);
  });

  it("the suite's thread is the main thread exactly where getEventLoop may create a loop", () => {
    setEventLoop(null);
    if (host.isMainThread()) {
      expect(host.threadName()).toBe('MainThread');
      const loop = getEventLoop();
      expect(getEventLoop()).toBe(loop);
      loop.close();
    } else {
      expect(() => getEventLoop()).toThrow(new RuntimeError(`There is no current event loop in thread '${host.threadName()}'.`));
    }
    setEventLoop(null);
  });

  it('the WASM core uses shared memory exactly where the host allows it, and refuses it clearly elsewhere', () => {
    const core = createWasmCore();
    expect(core.shared).toBe(host.sharedMemory());
    core.close();
    if (host.sharedMemory()) {
      const shared = createWasmCore({ shared: true });
      expect(shared.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
      shared.close();
    } else {
      expect(() => createWasmCore({ shared: true })).toThrow(`a shared WebAssembly memory cannot be had here: ${host.sharedMemoryRefusal()}`);
    }
    const plain = createWasmCore({ shared: false });
    expect(plain.memory.buffer).toBeInstanceOf(ArrayBuffer);
    plain.close();
  });

  it.each(['wasm', 'js'] as const)('cross-thread ports exist exactly where shared memory does, and are refused with the reason elsewhere (%s core)', async (core) => {
    const loop = newEventLoop({ core, clock: 'virtual' });
    if (host.sharedMemory()) {
      const port = loop.port();
      expect(port.ctrlBuffer).toBeInstanceOf(SharedArrayBuffer);
      expect(port.ringBuffer).toBeInstanceOf(SharedArrayBuffer);
    } else {
      expect(() => loop.port()).toThrow(new TypeError(`cross-thread ports need SharedArrayBuffer: ${host.sharedMemoryRefusal()}`));
      // the loop itself is unharmed: it runs on ordinary memory
      const seen: number[] = [];
      loop.callLater(1, () => {
        seen.push(loop.time());
        loop.stop();
      });
      await loop.runForever();
      expect(seen).toEqual([1]);
    }
    loop.close();
  });

  it('the blocking runner runs where the host may block, and refuses with its reason elsewhere', () => {
    const loop = newEventLoop({ clock: 'virtual' });
    const seen: number[] = [];
    loop.callLater(1, () => {
      seen.push(loop.time());
      loop.stop();
    });
    if (host.canBlock()) {
      loop.runForeverSync();
      expect(seen).toEqual([1]);
    } else {
      expect(() => loop.runForeverSync()).toThrow(new RuntimeError(`runForeverSync() cannot block this thread: ${host.blockingRefusal()}; use the promise-based runner instead`));
      expect(seen).toEqual([]);
      expect(loop.isRunning()).toBe(false);
    }
    loop.close();
  });
});
