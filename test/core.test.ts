/**
 * The Core contract (bindings/core/types.ts), proved against every core: JsCore, and WasmCore over
 * a shared and over an ordinary memory. Then a differential test: random operation sequences give
 * the same observable results on JsCore and on each WasmCore.
 */
// proves: §9.1
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Core, MEMORY_EXHAUSTED } from '../bindings/core/types.js';
import { createJsCore } from '../bindings/core/js.js';
import { WasmCore, _dropSpareMemories, createWasmCore } from '../bindings/core/wasm.js';

const PAGE = 65536;

interface Variant {
  name: string;
  make(): Core;
  /** Cores that run out of room after a few thousand entries at most (each at another point). */
  tiny: Tiny[];
}

/** A core made with a small limit: `maxEntries` holds exactly that many; `maximumMemory` at most that many bytes. */
interface Tiny {
  limit: string;
  make(): Core;
  maxEntries?: number;
  maximumMemory?: number;
}

function tinyCores(make: (limits: { maxEntries?: number; maximumMemory?: number }) => Core, entries: number[], pages: number[]): Tiny[] {
  return [
    ...entries.map((maxEntries) => ({ limit: `maxEntries ${maxEntries}`, maxEntries, make: () => make({ maxEntries }) })),
    ...pages.map((p) => ({ limit: `maximumMemory ${p * PAGE}`, maximumMemory: p * PAGE, make: () => make({ maximumMemory: p * PAGE }) })),
  ];
}

const wasmVariants: Variant[] = [true, false]
  .filter((shared) => !shared || typeof SharedArrayBuffer === 'function')
  .map((shared) => ({
    name: `wasm (${shared ? 'shared' : 'plain'} memory)`,
    make: () => createWasmCore({ shared }),
    // maxEntries a power of two and not; a growth that fails after growing the memory part of
    // the way, and one that fails at once
    tiny: tinyCores((limits) => createWasmCore({ shared, ...limits }), [1, 64, 100, 1000], [2, 4, 7]),
  }));
const jsVariant: Variant = { name: 'js', make: () => createJsCore(), tiny: tinyCores(createJsCore, [1, 64, 100, 1000], [1, 2, 3]) };
const variants: Variant[] = [jsVariant, ...wasmVariants];

function batchOf(core: Core, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(core.mem32[core.batchBase + i]!);
  return out;
}

function tickBatch(core: Core, now = 0, resolution = 0): number[] {
  return batchOf(core, core.tick(now, resolution));
}

function ready(core: Core): number {
  const slot = core.alloc();
  core.pushReady(slot);
  return slot;
}

function timer(core: Core, when: number): number {
  const slot = core.alloc();
  core.pushTimer(slot, when);
  return slot;
}

function cancel(core: Core, slot: number): void {
  core.cancel(slot, core.gen(slot));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Runs `body` with a fresh core and closes it afterwards. */
function withCore<C extends Core, T>(make: () => C, body: (core: C) => T): T {
  const core = make();
  try {
    return body(core);
  } finally {
    core.close();
  }
}

describe.each(variants)('core contract: $name', ({ make, tiny }) => {
  it('ready callbacks come out in FIFO order', () =>
    withCore(make, (core) => {
      const slots = Array.from({ length: 10 }, () => ready(core));
      expect(core.readyCount()).toBe(10);
      expect(tickBatch(core)).toEqual(slots);
      expect(core.readyCount()).toBe(0);
    }));

  it('equal deadlines fire in scheduling order', () =>
    withCore(make, (core) => {
      const whens = [3, 1, 2, 1, 3, 1, 2];
      const slots = whens.map((w) => timer(core, w));
      const expected = [1, 3, 5, 2, 6, 0, 4].map((i) => slots[i]);
      expect(tickBatch(core, 3)).toEqual(expected);
    }));

  it('more timers than a staging area holds keep (when, seq) order', () =>
    withCore(make, (core) => {
      const entries = Array.from({ length: 3000 }, (_, i) => ({ when: (i * 7919) % 13, slot: timer(core, (i * 7919) % 13), i }));
      expect(core.timerCount()).toBe(3000);
      entries.sort((a, b) => a.when - b.when || a.i - b.i);
      expect(tickBatch(core, 100)).toEqual(entries.map((e) => e.slot));
    }));

  it('expired timers are appended after ready entries, in deadline order', () =>
    withCore(make, (core) => {
      const late = timer(core, 2);
      const early = timer(core, 1);
      const r1 = ready(core);
      const future = timer(core, 5);
      const r2 = ready(core);
      expect(tickBatch(core, 2)).toEqual([r1, r2, early, late]);
      expect(core.timerCount()).toBe(1);
      expect(tickBatch(core, 4.5, 0.5)).toEqual([future]);
    }));

  it('a timer is due when when <= now + resolution', () =>
    withCore(make, (core) => {
      const t = timer(core, 1.5);
      expect(tickBatch(core, 1, 0.4)).toEqual([]);
      expect(tickBatch(core, 1, 0.5)).toEqual([t]);
    }));

  it('entries scheduled while a batch runs wait for the next tick, and the batch stays put', () =>
    withCore(make, (core) => {
      const first = [ready(core), ready(core), ready(core)];
      const n = core.tick(0, 0);
      const base = core.batchBase;
      // "running" the batch schedules enough to grow every table
      const later = Array.from({ length: 5000 }, (_, i) => (i % 2 ? ready(core) : timer(core, 0)));
      expect(core.batchBase).toBe(base);
      expect(batchOf(core, n)).toEqual(first);
      expect(core.readyCount()).toBe(2500);
      const next = tickBatch(core, 0);
      expect(next).toEqual([...later.filter((_, i) => i % 2), ...later.filter((_, i) => i % 2 === 0)]);
      expect(next).not.toContain(first[0]);
    }));

  it('slots of a batch are freed at the next tick with a new generation', () =>
    withCore(make, (core) => {
      const slot = ready(core);
      const gen = core.gen(slot);
      tickBatch(core);
      expect(core.gen(slot)).toBe(gen);
      tickBatch(core);
      expect(core.gen(slot)).not.toBe(gen);
      expect(core.alloc()).toBe(slot);
    }));


  it('a cancelled timer never fires and its slot is freed when dropped', () =>
    withCore(make, (core) => {
      const a = timer(core, 1);
      const b = timer(core, 2);
      const gen = core.gen(a);
      core.cancel(a, gen);
      core.cancel(a, gen); // idempotent
      expect(core.cancelledCount()).toBe(1);
      expect(core.timerCount()).toBe(2);
      expect(tickBatch(core, 5)).toEqual([b]);
      expect(core.cancelledCount()).toBe(0);
      expect(core.timerCount()).toBe(0);
      expect(core.gen(a)).not.toBe(gen);
    }));

  it('a cancelled ready entry stays in the batch for the front to skip', () =>
    withCore(make, (core) => {
      const a = ready(core);
      const b = ready(core);
      cancel(core, a);
      expect(core.cancelledCount()).toBe(0);
      expect(core.readyCount()).toBe(2);
      expect(tickBatch(core)).toEqual([a, b]);
    }));

  it('cancel with a stale generation is a no-op', () =>
    withCore(make, (core) => {
      const old = ready(core);
      const staleGen = core.gen(old);
      tickBatch(core);
      tickBatch(core); // frees `old`
      const reused = timer(core, 1);
      expect(reused).toBe(old);
      core.cancel(reused, staleGen);
      expect(core.cancelledCount()).toBe(0);
      expect(tickBatch(core, 1)).toEqual([reused]);
    }));

  it('cancel after the callback ran is a no-op', () =>
    withCore(make, (core) => {
      const t = timer(core, 0);
      expect(tickBatch(core, 0)).toEqual([t]);
      cancel(core, t);
      expect(core.cancelledCount()).toBe(0);
      expect(core.timerCount()).toBe(0);
    }));

  it('compacts the heap when more than half of at least 100 timers are cancelled', () =>
    withCore(make, (core) => {
      const slots = Array.from({ length: 200 }, () => timer(core, 100));
      tickBatch(core, 0);
      for (const s of slots.slice(99)) cancel(core, s); // 101 cancelled, none on top
      expect(core.timerCount()).toBe(200);
      expect(core.cancelledCount()).toBe(101);
      tickBatch(core, 0);
      expect(core.timerCount()).toBe(99);
      expect(core.cancelledCount()).toBe(0);
      expect(tickBatch(core, 100)).toEqual(slots.slice(0, 99));
    }));

  it('at most half cancelled, or under 100 timers, only pops cancelled timers off the top', () => {
    // 100 timers, 50 cancelled (the 30 earliest, the top, and the 20 latest): not more than half
    expect(cancelThenTick(100, [...range(0, 30), ...range(80, 100)])).toEqual([70, 20]);
    // 99 timers, 60 cancelled: fewer than 100
    expect(cancelThenTick(99, range(39, 99))).toEqual([99, 60]);
    // 100 timers, 51 cancelled: "at least 100" (types.ts) and more than half, so it rebuilds
    expect(cancelThenTick(100, [...range(0, 30), ...range(79, 100)])).toEqual([49, 0]);
  });

  /** Schedules timers at 0, 1, ... and moves them into the heap, cancels some, ticks: [timers, cancelled]. */
  function cancelThenTick(count: number, cancelled: number[]): number[] {
    return withCore(make, (core) => {
      const slots = range(0, count).map((i) => timer(core, i));
      tickBatch(core, -1);
      for (const i of cancelled) cancel(core, slots[i]!);
      tickBatch(core, -1);
      return [core.timerCount(), core.cancelledCount()];
    });
  }

  it('nextDeadline skips cancelled timers and is Infinity when none is live', () =>
    withCore(make, (core) => {
      expect(core.nextDeadline()).toBe(Infinity);
      const a = timer(core, 1);
      const b = timer(core, 2);
      timer(core, 3);
      expect(core.nextDeadline()).toBe(1);
      cancel(core, a);
      cancel(core, b);
      expect(core.nextDeadline()).toBe(3);
      expect(core.timerCount()).toBe(1);
      expect(core.cancelledCount()).toBe(0);
    }));

  it('timers at Infinity never fire', () =>
    withCore(make, (core) => {
      const inf = timer(core, Infinity);
      const t = timer(core, 1e300);
      expect(tickBatch(core, Number.MAX_VALUE, 0)).toEqual([t]);
      expect(core.timerCount()).toBe(1);
      expect(core.nextDeadline()).toBe(Infinity);
      cancel(core, inf);
      tickBatch(core, Number.MAX_VALUE);
      expect(core.timerCount()).toBe(0);
    }));

  it.each(tiny)('running out of memory ($limit) throws MEMORY_EXHAUSTED naming the limit, with nothing scheduled, and the core goes on', ({ make, maxEntries, maximumMemory }) =>
    withCore(make, (core) => {
      const held: number[] = [];
      let error: unknown;
      try {
        for (let i = 0; i < 1_000_000; i++) {
          const slot = core.alloc();
          held.push(slot);
          if (i % 2) core.pushReady(slot);
          else core.pushTimer(slot, i);
        }
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RangeError);
      expect((error as RangeError).message.startsWith(MEMORY_EXHAUSTED)).toBe(true);
      if (maxEntries !== undefined) {
        expect((error as RangeError).message).toBe(`${MEMORY_EXHAUSTED}: ${maxEntries} callbacks and timers are pending, as many as maxEntries allows`);
        expect(held.length).toBe(maxEntries);
      } else {
        expect((error as RangeError).message).toMatch(/maximumMemory/);
        expect(core.footprint()).toBeLessThanOrEqual(maximumMemory!);
      }
      expect(new Set(held).size).toBe(held.length);
      expect(core.readyCount() + core.timerCount()).toBe(held.length);
      // it still works: everything scheduled before runs, in order
      const batch = tickBatch(core, Infinity, 0);
      expect(batch.length).toBe(held.length);
      expect(batch.slice(0, held.length >> 1)).toEqual(held.filter((_, i) => i % 2));
      tickBatch(core);
      const again = ready(core);
      expect(tickBatch(core)).toEqual([again]);
    }));

  it('a million schedule/cancel cycles keep the timer count and memory bounded', () =>
    withCore(make, (core) => {
      const keep = Array.from({ length: 50 }, () => timer(core, 1e9));
      const cancelLater: number[] = [];
      let most = 0;
      let bytes = 0;
      for (let i = 1; i <= 1_000_000; i++) {
        const slot = timer(core, 10 + (i % 17));
        if (i % 3) cancel(core, slot); // cancelled before the next tick
        else cancelLater.push(slot); // cancelled once in the heap
        if (i % 100 === 0) {
          tickBatch(core, 0);
          for (const s of cancelLater) cancel(core, s);
          cancelLater.length = 0;
          most = Math.max(most, core.timerCount());
          if (core instanceof WasmCore) bytes = Math.max(bytes, core.memory.buffer.byteLength);
        }
      }
      expect(most).toBeLessThan(400);
      expect(bytes).toBeLessThan(1 << 20);
      expect(core.timerCount() - core.cancelledCount()).toBe(keep.length);
    }));
});

describe('JsCore', () => {
  it('a typed array the host refuses to allocate is MEMORY_EXHAUSTED too, and changes nothing', () =>
    withCore(createJsCore, (core) => {
      const slots = [...range(0, 32).map(() => ready(core)), ...range(0, 32).map((i) => timer(core, i))];
      const g = globalThis as { ArrayBuffer: ArrayBufferConstructor };
      const Real = g.ArrayBuffer;
      // the host refuses the next growth's timer heap (core/timers.ts), the last array it makes
      g.ArrayBuffer = class extends Real {
        constructor(...args: any[]) {
          if (typeof args[0] === 'number' && args[0] > 67 * 16) throw new RangeError('Array buffer allocation failed');
          super(...(args as [number]));
        }
      } as ArrayBufferConstructor;
      try {
        expect(() => core.alloc()).toThrow(new RangeError(`${MEMORY_EXHAUSTED}: the host refused the ${128 * 13 + 128 * 4 + 131 * 16} bytes its typed arrays would need`));
      } finally {
        g.ArrayBuffer = Real;
      }
      expect(core.readyCount()).toBe(32);
      expect(core.timerCount()).toBe(32);
      expect(tickBatch(core, 100)).toEqual(slots);
      tickBatch(core);
      const more = range(0, 100).map(() => ready(core)); // it grows once the host allows it
      expect(tickBatch(core)).toEqual(more);
    }));
});

describe('WasmCore', () => {
  it('starts small, shared when the host allows it, and close() lets the memory go', () => {
    _dropSpareMemories(); // a spare may have grown to 1 MiB
    const core = createWasmCore();
    expect(core.shared).toBe(typeof SharedArrayBuffer === 'function');
    expect(core.memory.buffer.byteLength).toBeLessThanOrEqual(2 * PAGE);
    if (core.shared) expect(core.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    core.close();
    expect(core.memory.buffer.byteLength).toBe(0);
    expect(() => core.tick(0, 0)).toThrow(/closed/);
  });

  it.each([
    ['1 GiB by default', undefined, 1 << 30],
    ['whole pages of maximumMemory', 5 * PAGE + 100, 5 * PAGE],
  ])('its memory grows to its maximum, %s, and no further', (_, maximumMemory, bytes) => {
    // a throwaway core: growing its memory behind its back leaves it unusable
    const core = createWasmCore({ maximumMemory });
    const memory = core.memory;
    memory.grow(bytes / PAGE - memory.buffer.byteLength / PAGE);
    expect(() => memory.grow(1)).toThrow(RangeError);
    core.close();
  });

  it.each([1, 2, 3, 64, 100])('with maxEntries %i the ring and the batch are blocks of their own, with room for every slot', (maxEntries) =>
    withCore(
      () => createWasmCore({ maxEntries }),
      (core) => {
        const ex = (core as unknown as { ex: Record<string, WebAssembly.Global> }).ex;
        // a header field (assembly/core.ts H_*), read through the offsets the module exports
        const field = (name: string) => core.mem32[((ex.header as unknown as () => number)() + ex[name]!.value) >>> 2]!;
        const slots = range(0, maxEntries).map(() => ready(core));
        expect(() => core.alloc()).toThrow(MEMORY_EXHAUSTED);
        expect(field('H_SLOTS')).toBe(maxEntries);
        // blocks, at or past the first one init cut (the staging area): not the static data at address 0
        expect(field('H_RING')).toBeGreaterThanOrEqual(field('H_STAGE_WHEN'));
        expect(field('H_BATCH')).toBeGreaterThanOrEqual(field('H_STAGE_WHEN'));
        expect(field('H_RING_MASK') + 1).toBeGreaterThanOrEqual(maxEntries);
        expect(tickBatch(core)).toEqual(slots);
      },
    ));

  it('mem32 covers the whole memory after growth', () =>
    withCore(createWasmCore, (core) => {
      for (let i = 0; i < 20_000; i++) ready(core);
      expect(core.mem32.byteLength).toBe(core.memory.buffer.byteLength);
      expect(tickBatch(core).length).toBe(20_000);
    }));
});

// ---- differential ------------------------------------------------------------------------------

type Op =
  | { t: 'ready' }
  | { t: 'timers'; n: number; when: number }
  | { t: 'cancel'; k: number; n: number }
  | { t: 'tick'; now: number; res: number }
  | { t: 'deadline' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Op>({ t: 'ready' }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('timers' as const), n: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 80 })), when: fc.constantFrom(0, 1, 1, 2, 3, 3, 5, 8, Infinity) }),
  },
  // k counts back from the latest scheduling op: small k hits pending entries, large k stale ones
  { weight: 4, arbitrary: fc.record({ t: fc.constant('cancel' as const), k: fc.nat({ max: 300 }), n: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 80 })) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tick' as const), now: fc.constantFrom(-1, 0, 1, 2, 3, 4, 6, 9), res: fc.constantFrom(0, 0.5, 1) }) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'deadline' }) },
);

/** One core under test: scheduling ops are numbered, and batches are reported as op numbers. */
class Driver {
  private readonly opOfSlot: number[] = [];
  private readonly handles: [slot: number, gen: number][] = [];
  constructor(readonly core: Core) {}

  schedule(when: number | null): void {
    const slot = this.core.alloc();
    this.opOfSlot[slot] = this.handles.length;
    this.handles.push([slot, this.core.gen(slot)]);
    if (when === null) this.core.pushReady(slot);
    else this.core.pushTimer(slot, when);
  }
  cancel(k: number, n: number): void {
    for (let i = this.handles.length - 1 - k; i >= 0 && n > 0; i--, n--) {
      const [slot, gen] = this.handles[i]!;
      this.core.cancel(slot, gen);
    }
  }
  tick(now: number, res: number): number[] {
    return tickBatch(this.core, now, res).map((slot) => this.opOfSlot[slot]!);
  }
  counts(): number[] {
    return [this.core.readyCount(), this.core.timerCount(), this.core.cancelledCount()];
  }
}

describe.each(wasmVariants)('differential: js and $name', ({ make }) => {
  it('random operation sequences give identical batches, deadlines and counts', () => {
    let compactions = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150, size: 'max' }), (ops) => {
        const js = new Driver(createJsCore());
        const wasm = new Driver(make());
        try {
          for (const op of ops) {
            switch (op.t) {
              case 'ready':
                js.schedule(null);
                wasm.schedule(null);
                break;
              case 'timers':
                for (let i = 0; i < op.n; i++) {
                  js.schedule(op.when);
                  wasm.schedule(op.when);
                }
                break;
              case 'cancel':
                js.cancel(op.k, op.n);
                wasm.cancel(op.k, op.n);
                break;
              case 'tick': {
                const [, timers, cancelled] = js.counts();
                if (timers! >= 100 && cancelled! * 2 > timers!) compactions++;
                expect(wasm.tick(op.now, op.res)).toEqual(js.tick(op.now, op.res));
                break;
              }
              case 'deadline':
                expect(wasm.core.nextDeadline()).toBe(js.core.nextDeadline());
                break;
            }
            expect(wasm.counts()).toEqual(js.counts());
          }
        } finally {
          js.core.close();
          wasm.core.close();
        }
      }),
      { numRuns: 1000 },
    );
    expect(compactions).toBeGreaterThan(0); // the generator reaches asyncio's compaction rule
  });
});
