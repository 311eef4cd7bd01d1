/**
 * The timer structure's edges (bindings/core/timers.ts, assembly/timers.ts) on every core: equal
 * deadlines in seq order across staging flushes, growth and the seq counter's renumbering at 2^32;
 * far-future, past and non-finite deadlines; cancelling a timer that is due in the same tick; a
 * model check of random pushes, cancels and ticks; and, through the loop, what the call site
 * refuses (NaN) and what it keeps exact (delays past 2^31 ms).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Core } from '../bindings/core/types.js';
import { createJsCore } from '../bindings/core/js.js';
import { createWasmCore } from '../bindings/core/wasm.js';
import { CORES, vloop } from './helpers.js';

const makers: [string, () => Core][] = [
  ['js', () => createJsCore()],
  ['wasm (plain memory)', () => createWasmCore({ shared: false })],
  ...(typeof SharedArrayBuffer === 'function' ? [['wasm (shared memory)', () => createWasmCore({ shared: true })] as [string, () => Core]] : []),
];

/** Moves the core's seq counter (the test hooks of both timer structures). */
function setSeq(core: Core, v: number): void {
  const c = core as unknown as { timers?: { setSeq(v: number): void }; ex?: { timersSetSeq(v: number): void } };
  if (c.timers) c.timers.setSeq(v);
  else c.ex!.timersSetSeq(v);
}

function batch(core: Core, now: number, resolution = 0): number[] {
  const n = core.tick(now, resolution);
  return Array.from({ length: n }, (_, i) => core.mem32[core.batchBase + i]!);
}

function push(core: Core, when: number): number {
  const slot = core.alloc();
  core.pushTimer(slot, when);
  return slot;
}

/** The (when, seq) order of `whens` (seq = index): what the core must hand out. */
function expectedOrder(whens: number[]): number[] {
  return whens.map((w, i) => [w, i] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])).map(([, i]) => i);
}

describe.each(makers)('timer structure: %s', (_, make) => {
  it('equal deadlines keep seq order through staging flushes, growth and pops in between', () => {
    const core = make();
    const slots: number[] = [];
    for (let i = 0; i < 3000; i++) slots.push(push(core, i % 3 === 0 ? 5 : 7)); // grows the core 5 times, flushes 5 stagings
    expect(batch(core, 5)).toEqual(slots.filter((_, i) => i % 3 === 0));
    const more: number[] = [];
    for (let i = 0; i < 700; i++) more.push(push(core, 7));
    expect(batch(core, 7)).toEqual([...slots.filter((_, i) => i % 3 !== 0), ...more]);
    core.close();
  });

  it('the seq counter renumbers at 2^32 and keeps every order', () => {
    const core = make();
    setSeq(core, 2 ** 32 - 300);
    const whens: number[] = [];
    const slots: number[] = [];
    // 1000 timers on 7 deadlines: the counter passes 2^32 after the 300th
    for (let i = 0; i < 1000; i++) {
      const w = [3, 1, 2, 1, 3, 0, 2][i % 7]!;
      whens.push(w);
      slots.push(push(core, w));
      if (i === 500) expect(core.nextDeadline()).toBe(0); // flushes (WASM) part of the way
    }
    expect(batch(core, 3)).toEqual(expectedOrder(whens).map((i) => slots[i]));
    // and again from a counter that renumbers a heap with cancelled timers in it
    setSeq(core, 2 ** 32 - 1);
    const w2 = [9, 8, 9, 8, 9];
    const s2 = w2.map((w) => push(core, w));
    core.cancel(s2[1]!, core.gen(s2[1]!));
    expect(batch(core, 9)).toEqual([s2[3], s2[0], s2[2], s2[4]]);
    core.close();
  });

  it('far-future, past and non-finite deadlines sort as numbers; Infinity waits for a tick at Infinity', () => {
    const core = make();
    const whens = [2 ** 31 / 1000 + 1, -1, Infinity, 0, 1e300, -Infinity, 2 ** 53, 2 ** 31 / 1000, -1e300, 2 ** 32 + 0.5, 5e-324, -0];
    const slots = whens.map((w) => push(core, w));
    expect(core.nextDeadline()).toBe(-Infinity);
    // -0 and 0 are equal deadlines: seq order
    expect(batch(core, 0)).toEqual([5, 8, 1, 3, 11].map((i) => slots[i]));
    expect(batch(core, 2 ** 31 / 1000)).toEqual([10, 7].map((i) => slots[i]));
    expect(batch(core, 1e308)).toEqual([0, 9, 6, 4].map((i) => slots[i]));
    expect(core.nextDeadline()).toBe(Infinity);
    expect(core.timerCount()).toBe(1);
    expect(batch(core, Infinity)).toEqual([slots[2]]);
    core.close();
  });

  it('a timer cancelled while due in the same tick is dropped there, the others keep their order', () => {
    const core = make();
    const slots = [1, 1, 2, 0.5, 1].map((w) => push(core, w));
    core.cancel(slots[1]!, core.gen(slots[1]!)); // equal deadline, in the middle of the expiring run
    core.cancel(slots[3]!, core.gen(slots[3]!)); // the top
    expect(core.cancelledCount()).toBe(2);
    expect(batch(core, 1.5)).toEqual([slots[0], slots[4]]);
    expect(core.cancelledCount()).toBe(0);
    // a cancel once the timer is in the batch is a no-op
    core.cancel(slots[0]!, core.gen(slots[0]!));
    expect(core.cancelledCount()).toBe(0);
    expect(batch(core, 2)).toEqual([slots[2]]);
    core.close();
  });

  it('random pushes, cancels and ticks hand out exactly the live due timers in (when, seq) order', () => {
    const when = fc.oneof(fc.integer({ min: -3, max: 40 }).map((k) => k / 4), fc.constantFrom(-Infinity, Infinity, 2 ** 31, 1e300, -0));
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), when, n: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ k: fc.constant('cancel' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ k: fc.constant('tick' as const), now: fc.integer({ min: -2, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const core = make();
        // the model: pending timers as [when, seq, slot, gen, cancelled]
        let pending: { when: number; seq: number; slot: number; gen: number; cancelled: boolean }[] = [];
        let seq = 0;
        let now = -Infinity;
        for (const o of ops) {
          if (o.k === 'push') {
            for (let i = 0; i < o.n; i++) {
              const slot = push(core, o.when);
              pending.push({ when: o.when, seq: seq++, slot, gen: core.gen(slot), cancelled: false });
            }
          } else if (o.k === 'cancel') {
            for (let i = 0; i < o.n && pending.length > 0; i++) {
              const t = pending[(o.pick + i * 7919) % pending.length]!;
              core.cancel(t.slot, t.gen);
              t.cancelled = true;
            }
          } else {
            now = Math.max(now, o.now);
            const due = pending.filter((t) => t.when <= now).sort((a, b) => (a.when < b.when ? -1 : a.when > b.when ? 1 : a.seq - b.seq));
            expect(batch(core, now)).toEqual(due.filter((t) => !t.cancelled).map((t) => t.slot));
            pending = pending.filter((t) => t.when > now);
            const live = pending.filter((t) => !t.cancelled);
            expect(core.nextDeadline()).toBe(live.length === 0 ? Infinity : Math.min(...live.map((t) => t.when)));
            expect(core.timerCount() - core.cancelledCount()).toBe(live.length);
          }
        }
        core.close();
      }),
      { numRuns: 60 },
    );
  });
});

describe.each(CORES)('timers through the loop (%s core)', (core) => {
  it('NaN is refused at the call site with nothing scheduled; Infinity is kept and never fires', async () => {
    const loop = vloop(core);
    const f = () => {};
    expect(() => loop.callLater(NaN, f)).toThrow(RangeError);
    expect(() => loop.callAt(NaN, f)).toThrow(RangeError);
    const c = (loop as unknown as { _core: Core })._core;
    expect(c.timerCount()).toBe(0);
    const never = loop.callLater(Infinity, () => {
      throw new Error('an Infinity timer fired');
    });
    expect(never.when()).toBe(Infinity);
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(loop.time()).toBe(1);
    expect(c.timerCount() - c.cancelledCount()).toBe(1);
    loop.close();
  });

  it('delays past 2^31 ms fire at their exact virtual time, in (when, seq) order', async () => {
    const loop = vloop(core);
    const seen: [number, number][] = [];
    const big = 2 ** 31 / 1000; // setTimeout's limit, in seconds
    const delays = [big + 1, big, 2 ** 32, big + 1, 1e7, big];
    delays.forEach((d, i) => loop.callLater(d, () => seen.push([i, loop.time()])));
    loop.callLater(2 ** 32 + 1, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([
      [1, big],
      [5, big],
      [0, big + 1],
      [3, big + 1],
      [4, 1e7],
      [2, 2 ** 32],
    ]);
    loop.close();
  });
});
