/**
 * The trace ring (bindings/trace-ring.ts): its layout as the header documents it, a reader that
 * resolves names through the shared string table, the string table running out, SEQ going back
 * under its sequence lock, and hostile or broken buffers given to readTrace()/mergeTraces().
 * Another thread reading a live ring: trace-threads.test.ts.
 */
// proves: §5.5
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeTraces, readTrace, type Trace } from '../bindings/index.js';
import { CB, H_CAP, H_LAPS, H_MAGIC, H_NAMES, H_NAMES_LOST, H_SEQ, H_STATE, H_TID, H_VERSION, ITER, MAGIC, RECORDING, STOPPED, TraceRing, VERSION, snapshot, wrapOf } from '../bindings/trace-ring.js';
import { CORES, vloop } from './helpers.js';
import { hostile } from './hostile-values.js';
import { validate } from './trace-validate.js';

const names = (t: Trace, ph = 'X') => t.traceEvents.filter((e) => e.ph === ph).map((e) => e.name);

describe.each(CORES)('the trace ring (%s core)', (core) => {
  it('the header says what the layout documents; a reader resolves names through the string table', async () => {
    const loop = vloop(core);
    expect(loop.traceBuffers()).toBe(null);
    loop.startTrace({ capacity: 64 });
    const buffers = loop.traceBuffers()!;
    const h = new Int32Array(buffers.events, 0, 16);
    expect([h[H_MAGIC], h[H_VERSION], h[H_CAP], h[H_TID], Atomics.load(h, H_STATE)]).toEqual([MAGIC, VERSION, 64, 1, RECORDING]);
    expect(buffers.events.byteLength).toBe(64 + 48 * 64);
    loop.callSoon(function first() {
      loop.callLater(1, function second() {
        loop.stop();
      });
    });
    await loop.runForever();
    expect(Atomics.load(h, H_SEQ)).toBeGreaterThanOrEqual(5); // counters, two callbacks, two iterations, a flow
    expect(Atomics.load(h, H_NAMES)).toBeGreaterThanOrEqual(5); // core, clock, thread, first, second
    const live = readTrace(buffers); // as another thread would read it: the loop still records
    validate(live);
    expect(names(live)).toEqual(['first', 'iteration', 'second', 'iteration']);
    const mine = loop.stopTrace();
    expect(Atomics.load(h, H_STATE)).toBe(STOPPED);
    expect(loop.traceBuffers()).toBe(null);
    expect(mine).toEqual(live);
    expect(mine.otherData).toMatchObject({ core, clock: 'virtual', thread: expect.any(String), namesLost: 0 });
    loop.close();
  });

  it('when the string table is full, names stay with the writer: its own export has them, another reader a placeholder', async () => {
    const loop = vloop(core);
    loop.startTrace({ capacity: 1024 }); // 256 string slots
    const N = 300;
    for (let i = 0; i < N; i++) {
      const f = { [`cb${i}`]: () => {} }[`cb${i}`]!;
      loop.callSoon(f);
    }
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    const buffers = loop.traceBuffers()!;
    const other = readTrace(buffers);
    const h = new Int32Array(buffers.events, 0, 16);
    const lost = h[H_NAMES_LOST]!;
    expect(lost).toBeGreaterThan(N - 256);
    expect(other.otherData.namesLost).toBe(lost);
    expect(names(other).filter((n) => /^<name #-\d+: not shared>$/.test(n))).toHaveLength(lost);
    const mine = loop.stopTrace();
    const cbs = names(mine).filter((n) => n.startsWith('cb'));
    expect(cbs).toEqual(Array.from({ length: N }, (_, i) => `cb${i}`));
    validate(mine);
    loop.close();
  });
});

describe('the trace ring, by itself', () => {
  const meta = { core: 'js', clock: 'virtual', thread: 't', tid: 1, start: 0 };
  const put = (ring: TraceRing, ts: number) => {
    const r = ring.claim(ITER, ts);
    ring.f64[r + 1] = 1;
    ring.f64[r + 2] = 0;
    ring.f64[r + 3] = -1;
    ring.i32[2 * r + 10] = 1;
    ring.i32[2 * r + 11] = 0;
    ring.publish();
  };

  it('SEQ goes back to cap past 2^30 (under its sequence lock): order, slots and the dropped count stay right', () => {
    const cap = 3;
    const ring = new TraceRing(cap, meta);
    const wrap = wrapOf(cap);
    expect(wrap % cap).toBe(0);
    expect(wrap).toBeGreaterThanOrEqual(2 ** 30);
    expect(wrap + cap).toBeLessThan(2 ** 31);
    // pretend wrap + cap − 2 events were written: the next slot is the one SEQ mod cap names
    // (and `next`, the writer's SEQ mod cap, kept beside it)
    Object.assign(ring as unknown as { seq: number; next: number }, { seq: wrap + cap - 2, next: (wrap + cap - 2) % cap });
    for (let ts = 1; ts <= 5; ts++) put(ring, ts);
    const h = new Int32Array(ring.buffers.events, 0, 16);
    expect(Atomics.load(h, H_LAPS)).toBe(2); // once, and not changing
    expect(Atomics.load(h, H_SEQ)).toBe(cap + 3);
    const snap = snapshot(ring.buffers, ring.local);
    expect(snap.events.map((e) => e.ts)).toEqual([3, 4, 5]);
    expect(snap.dropped).toBe(wrap + cap - 2 + 5 - cap); // all written, less the three kept
  });

  it('a ring not yet full reads from slot 0; a full one from the oldest; a reader in another thread allows for the record being written', () => {
    const ring = new TraceRing(4, meta);
    for (let ts = 1; ts <= 3; ts++) put(ring, ts);
    expect(snapshot(ring.buffers, ring.local).events.map((e) => e.ts)).toEqual([1, 2, 3]);
    for (let ts = 4; ts <= 6; ts++) put(ring, ts);
    expect(snapshot(ring.buffers, ring.local).events.map((e) => e.ts)).toEqual([3, 4, 5, 6]);
    // without the writer's names (another thread), a recording ring's oldest record may be being overwritten
    expect(snapshot(ring.buffers).events.map((e) => e.ts)).toEqual([4, 5, 6]);
    ring.stop();
    expect(snapshot(ring.buffers).events.map((e) => e.ts)).toEqual([3, 4, 5, 6]);
  });

  it('a CB record names its callback by string id', () => {
    const ring = new TraceRing(8, meta);
    const id = ring.intern('hello');
    expect(ring.intern('hello')).toBe(id);
    const r = ring.claim(CB, 5);
    ring.f64[r + 1] = 2;
    ring.f64[r + 2] = 0;
    ring.i32[2 * r + 9] = id;
    ring.i32[2 * r + 10] = 0;
    ring.publish();
    const snap = snapshot(ring.buffers);
    expect(snap.name(snap.events[0]!.name)).toBe('hello');
    expect(ring.intern('x'.repeat(1000)).toString()).toMatch(/^\d+$/); // cut to 256 units, still shared
    const long = snapshot(ring.buffers);
    expect(long.name(ring.intern('x'.repeat(1000)))).toBe(`${'x'.repeat(255)}…`);
  });

  it('readTrace refuses what is not a ring, with a TypeError', () => {
    const Shared = (typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer) as typeof SharedArrayBuffer;
    expect(() => readTrace(null as never)).toThrow(TypeError);
    expect(() => readTrace({ events: new Shared(8), strings: new Shared(8) })).toThrow(/too small/);
    expect(() => readTrace({ events: new Shared(1024), strings: new Shared(8) })).toThrow(/bad magic/);
    const ring = new TraceRing(4, meta);
    expect(() => readTrace({ events: ring.buffers.events.slice(0, 100) as SharedArrayBuffer, strings: ring.buffers.strings })).toThrow(/smaller than its capacity/);
    expect(() => readTrace({ events: ring.buffers.events, strings: ring.buffers.strings.slice(0, 8) as SharedArrayBuffer })).toThrow(/smaller than its slot count/);
    const bad = ring.buffers.events.slice(0) as SharedArrayBuffer;
    new Int32Array(bad)[H_VERSION] = 99;
    expect(() => readTrace({ events: bad, strings: ring.buffers.strings })).toThrow(/version 99/);
  });

  it('readTrace and mergeTraces take hostile values with a TypeError, nothing else', () => {
    fc.assert(
      fc.property(hostile(), ({ value }) => {
        expect(() => readTrace(value as never)).toThrow(TypeError);
        expect(() => readTrace({ events: value, strings: value } as never)).toThrow(TypeError);
        expect(() => mergeTraces(value as never)).toThrow(TypeError);
        expect(() => mergeTraces({ traceEvents: [value], otherData: {} } as never)).toThrow(TypeError);
      }),
      { numRuns: 200 },
    );
    expect(() => mergeTraces()).toThrow(TypeError);
  });

  it('mergeTraces moves monotonic traces onto the earliest clock and keeps task spans of different threads apart', () => {
    const t = (tid: number, origin: number): Trace => ({
      traceEvents: [
        { name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid, args: { name: `t${tid}` } },
        { name: 'x', ph: 'X', ts: 10, dur: 5, pid: 1, tid },
        { name: 'task', cat: 'task', ph: 'b', id: 1, ts: 11, pid: 1, tid },
        { name: 'task', cat: 'task', ph: 'e', id: 1, ts: 12, pid: 1, tid },
      ],
      displayTimeUnit: 'ms',
      otherData: { dropped: 1, clock: 'monotonic', core: 'js', capacity: 8, producer: 'wasmloop', thread: `t${tid}`, timeOrigin: origin },
    });
    const m = mergeTraces(t(1, 1000), t(2, 1000.5));
    validate(m);
    expect(m.traceEvents.filter((e) => e.name === 'x').map((e) => [e.tid, e.ts])).toEqual([[1, 10], [2, 510]]);
    expect(new Set(m.traceEvents.filter((e) => e.ph === 'b').map((e) => e.id)).size).toBe(2);
    expect(m.otherData.dropped).toBe(2);
  });
});
