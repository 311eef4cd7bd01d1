/**
 * A loop's WebAssembly memory, from the host and back (API.md §1.8, §3.6).
 *
 * Closed loops' memories are taken again: a closed core's memory that never left this thread (no
 * port opened) and stayed under 1 MiB is the next core's, zeroed, so a loop per test asks the host
 * for one memory, not one each; a memory another thread may hold, or one that grew, is let go.
 *
 * When the host refuses another WebAssembly memory (Chromium: about 120 alive in a page
 * and its workers), a loop whose core nobody named gets the JS core and works; a loop that names
 * 'wasm' (in its options or through install) gets a RangeError that says so and names the way out,
 * and nothing is half-made: no loop set for the thread, the next loop made normally once memory is
 * there again. The refusal is simulated by a WebAssembly.Memory that throws what Chromium throws;
 * test/browser/memories.test.ts meets the real one.
 */
// proves: §1.5, §1.8, §3.6
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { getEventLoop, install, newEventLoop, setEventLoop, sleep } from '../bindings/index.js';
import { isMemoryExhausted } from '../bindings/core/types.js';
import { WasmCore, _dropSpareMemories } from '../bindings/core/wasm.js';
import { host } from '../bindings/hosts/index.js';
import { isInstance } from '../bindings/repr.js';
import { hostile } from './hostile-values.js';

const RealMemory = WebAssembly.Memory;

/** Makes every new WebAssembly.Memory throw `error()` until `restore()`. */
function refuseMemories(error: () => unknown = () => new RangeError('WebAssembly.Memory(): could not allocate memory')): void {
  _dropSpareMemories(); // else a closed loop's memory would serve without asking the host
  const Refusing = function Memory() {
    throw error();
  } as unknown as typeof WebAssembly.Memory;
  Object.defineProperty(WebAssembly, 'Memory', { value: Refusing, writable: true, configurable: true });
}
function restore(): void {
  Object.defineProperty(WebAssembly, 'Memory', { value: RealMemory, writable: true, configurable: true });
}

afterEach(() => {
  restore();
  install();
});

describe('the host refuses a WebAssembly memory', () => {
  it('a loop whose core nobody named gets the JS core, and it runs callbacks, timers and tasks', async () => {
    install();
    refuseMemories();
    const loop = newEventLoop({ clock: 'virtual' });
    restore();
    expect(loop.core).toBe('js');
    const seen: string[] = [];
    loop.callLater(2, () => seen.push(`timer at ${loop.time()}`));
    loop.callSoon(() => seen.push('soon'));
    const task = loop.createTask(
      (function* () {
        yield* sleep(1);
        seen.push(`task at ${loop.time()}`);
        return 7;
      })(),
    );
    const done = loop.createFuture();
    loop.callLater(3, () => done.setResult(null));
    await loop.runUntilComplete(done);
    expect(seen).toEqual(['soon', 'task at 1', 'timer at 2']);
    expect(task.result()).toBe(7);
    loop.close();
  });

  it("a loop that names 'wasm' gets a RangeError that says the host refused and names the way out", () => {
    refuseMemories();
    let caught: unknown;
    try {
      newEventLoop({ core: 'wasm' });
    } catch (e) {
      caught = e;
    }
    restore();
    expect(caught).toBeInstanceOf(RangeError);
    expect(isMemoryExhausted(caught)).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('the host refused a new WebAssembly memory');
    expect(message).toContain('could not allocate memory'); // the host's own words
    expect(message).toContain('close()');
    expect(message).toContain("core: 'js'");
    // nothing half-made: the next loop, with memory there again, is an ordinary WASM loop
    const loop = newEventLoop({ core: 'wasm' });
    expect(loop.core).toBe('wasm');
    loop.close();
  });

  it("install('wasm') names the core: no fallback; install() restores it", () => {
    install('wasm');
    refuseMemories();
    expect(() => newEventLoop()).toThrow(/the host refused a new WebAssembly memory/);
    install();
    const loop = newEventLoop();
    expect(loop.core).toBe('js');
    restore();
    loop.close();
    const again = newEventLoop();
    expect(again.core).toBe('wasm');
    again.close();
  });

  it("install('js') makes JS loops without asking for a WebAssembly memory at all", () => {
    install('js');
    refuseMemories(() => new Error('no WebAssembly.Memory may be made'));
    const loop = newEventLoop();
    restore();
    expect(loop.core).toBe('js');
    loop.close();
  });

  it('getEventLoop on the main thread: the refused named core sets no loop for the thread', () => {
    if (!host.isMainThread()) return; // getEventLoop makes a loop on the main thread only (§1.2)
    setEventLoop(null);
    install('wasm');
    refuseMemories();
    expect(() => getEventLoop()).toThrow(RangeError);
    restore();
    const loop = getEventLoop(); // made now, not a half-made one left from the refusal
    expect(loop.core).toBe('wasm');
    expect(loop.isClosed()).toBe(false);
    setEventLoop(null);
    loop.close();
  });

  it('whatever else the host throws is not taken for a refusal: it reaches the caller unchanged, with no fallback', () => {
    fc.assert(
      fc.property(hostile(), ({ value: thrown }) => {
        fc.pre(!isInstance(thrown, RangeError));
        install();
        refuseMemories(() => thrown);
        let caught: unknown = 'nothing';
        try {
          newEventLoop();
        } catch (e) {
          caught = e;
        }
        restore();
        expect(Object.is(caught, thrown)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

/** The WASM core's memory of `loop` (internal: which memory a loop got is what these tests are about). */
function memoryOf(loop: ReturnType<typeof newEventLoop>): WebAssembly.Memory {
  return ((loop as unknown as { _core: WasmCore })._core).memory;
}

describe("closed loops' memories are taken again", () => {
  it('the next loop takes a closed one, zeroed: garbage written into it after close changes nothing', async () => {
    _dropSpareMemories();
    const first = newEventLoop({ core: 'wasm', clock: 'virtual' });
    for (let i = 0; i < 100; i++) first.callLater(i, () => {}); // state left behind at close
    const memory = memoryOf(first);
    first.close();
    new Uint8Array(memory.buffer).fill(0xa5); // whatever a stale view might write
    const next = newEventLoop({ core: 'wasm', clock: 'virtual' });
    expect(memoryOf(next)).toBe(memory);
    const seen: string[] = [];
    next.callLater(2, () => seen.push(`timer at ${next.time()}`));
    next.callSoon(() => seen.push('soon'));
    const done = next.createFuture();
    next.callLater(3, () => done.setResult(null));
    await next.runUntilComplete(done);
    expect(seen).toEqual(['soon', 'timer at 2']);
    expect((next as unknown as { _core: WasmCore })._core.timerCount()).toBe(0);
    next.close();
  });

  it('a loop made per test asks the host for one memory, not one each', () => {
    _dropSpareMemories();
    const made = new Set<WebAssembly.Memory>();
    for (let i = 0; i < 50; i++) {
      const loop = newEventLoop({ core: 'wasm' });
      made.add(memoryOf(loop));
      loop.close();
    }
    expect(made.size).toBe(1);
  });

  it('a memory that grew past 1 MiB is let go, not kept', () => {
    _dropSpareMemories();
    const big = newEventLoop({ core: 'wasm', clock: 'virtual' });
    for (let i = 0; i < 50_000; i++) big.callLater(i, () => {});
    const grown = memoryOf(big);
    expect(grown.buffer.byteLength).toBeGreaterThan(1 << 20);
    big.close();
    const next = newEventLoop({ core: 'wasm' });
    expect(memoryOf(next)).not.toBe(grown);
    next.close();
  });

  it("a memory with an inbox (another thread may hold it) is let go, not kept", () => {
    if (typeof SharedArrayBuffer !== 'function') return; // no port without shared memory (§8)
    _dropSpareMemories();
    const owner = newEventLoop({ core: 'wasm' });
    owner.port();
    const held = memoryOf(owner);
    owner.close();
    const next = newEventLoop({ core: 'wasm' });
    expect(memoryOf(next)).not.toBe(held);
    next.close();
  });

  it('closing the same loop twice keeps its memory once', () => {
    _dropSpareMemories();
    const loop = newEventLoop({ core: 'wasm' });
    const memory = memoryOf(loop);
    loop.close();
    loop.close();
    const a = newEventLoop({ core: 'wasm' });
    const b = newEventLoop({ core: 'wasm' });
    expect(memoryOf(a)).toBe(memory);
    expect(memoryOf(b)).not.toBe(memory);
    a.close();
    b.close();
  });
});
