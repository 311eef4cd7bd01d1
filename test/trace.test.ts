/**
 * Trace export (loop.startTrace / stopTrace): Chrome's Trace Event Format, JSON object format, as
 * Perfetto and chrome://tracing read it — every trace is checked against the format's rules
 * (fields each phase needs, flow and async ids that match, complete events that nest).
 */
// proves: §5.4
import { describe, expect, it } from 'vitest';
import { RuntimeError, newEventLoop, sleep, type EventLoop, type Task, type Trace, type TraceEvent } from '../bindings/index.js';
import * as wl from '../bindings/index.js';
// @ts-expect-error plain JS module shared with `npm start`
import { namedTrampolines } from '../examples/seed.mjs';
import { CORES, vloop } from './helpers.js';
import { validate } from './trace-validate.js';

const EPS = 1e-6;

const of = (t: Trace, ph: string, name?: string | RegExp) =>
  t.traceEvents.filter((e) => e.ph === ph && (name === undefined || (typeof name === 'string' ? e.name === name : name.test(e.name))));

/** The seed's timer trampoline: a callback that reschedules itself every second, `n` times. */
function trampoline(loop: EventLoop, n: number): void {
  let k = 0;
  loop.callSoon(function tick() {
    if (++k < n) loop.callLater(1, tick);
    else loop.stop();
  });
}

describe.each(CORES)('trace export (%s core)', (core) => {
  it('callbacks, timers and tasks: a valid trace with iterations, named callbacks, timer flows, task spans and counters', async () => {
    const loop = vloop(core);
    loop.startTrace();
    loop.callSoon(function hello() {});
    const pending = loop.callLater(10, function later() {});
    function* worker() {
      yield* sleep(1);
      return 1;
    }
    let w: Task<unknown> | null = null;
    async function main() {
      await sleep(2);
      w = loop.createTask(worker, { name: 'the worker' });
    }
    const task = loop.createTask(main);
    await loop.runUntilComplete(task);
    await loop.runUntilComplete(w!);
    const trace = loop.stopTrace();
    validate(trace);
    expect(trace.otherData).toMatchObject({ dropped: 0, clock: 'virtual', core });
    expect(of(trace, 'M', 'thread_name')[0]!.args!.name).toContain('event loop');
    const iterations = of(trace, 'X', 'iteration');
    expect(iterations.length).toBeGreaterThan(3);
    for (const it of iterations) {
      expect(it.cat).toContain('iteration');
      expect(Object.keys(it.args!).sort()).toEqual(['lateBy', 'ready', 'timersFired', 'wallTs']);
    }
    // every callback lies inside an iteration
    const callbacks = trace.traceEvents.filter((e) => e.ph === 'X' && e.cat!.includes('callback'));
    for (const cb of callbacks) expect(iterations.some((it) => it.ts <= cb.ts && cb.ts + cb.dur! <= it.ts + it.dur! + EPS)).toBe(true);
    expect(of(trace, 'X', 'hello')).toHaveLength(1);
    expect(of(trace, 'X', /^Task-\d+ main\(\)$/).length).toBeGreaterThanOrEqual(2); // its first step, and its resumption
    expect(of(trace, 'X', 'the worker worker()').length).toBeGreaterThanOrEqual(2);
    // two sleeps: two timer flows, each ending in the callback its timer fired as
    expect(of(trace, 's')).toHaveLength(2);
    expect(of(trace, 'f')).toHaveLength(2);
    // the tasks: one span each, from creation to done, in loop time
    expect(of(trace, 'b').map((e) => e.name)).toEqual([task.getName(), 'the worker']);
    const [mb, me] = [of(trace, 'b', task.getName())[0]!, of(trace, 'e', task.getName())[0]!];
    expect(mb.ts).toBe(0);
    expect(me.ts).toBeGreaterThanOrEqual(2e6);
    expect(of(trace, 'e', 'the worker')[0]!.ts).toBeGreaterThanOrEqual(3e6);
    const counters = of(trace, 'C', 'loop');
    expect(counters.length).toBeGreaterThan(0);
    expect(counters.some((c) => c.args!.timers === 1)).toBe(true);
    // the iteration where sleep(2)'s timer fired says so, and how late it was
    const at2 = iterations.find((it) => it.ts === 2e6)!;
    expect(at2.args).toMatchObject({ timersFired: 1, lateBy: 0 });
    pending.cancel();
    loop.close();
  });

  it('on the virtual clock ts is loop time: an 8-second trampoline spans 8 s', async () => {
    const loop = vloop(core);
    loop.startTrace();
    trampoline(loop, 9);
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    const starts = of(trace, 'X', 'iteration').map((e) => e.ts);
    expect(starts).toEqual([0, 1e6, 2e6, 3e6, 4e6, 5e6, 6e6, 7e6, 8e6]);
    expect(of(trace, 'X', 'tick')).toHaveLength(9);
    expect(of(trace, 'f')).toHaveLength(8);
    loop.close();
  });

  it("the seed's three named trampolines (what npm start writes to traces/seed.json): 8 s of iterations, every timer a flow", async () => {
    const loops: EventLoop[] = [];
    const tracing = {
      ...wl,
      newEventLoop(opts: wl.LoopOptions) {
        const loop = wl.newEventLoop(opts);
        loop.startTrace();
        loops.push(loop);
        return loop;
      },
    };
    await namedTrampolines(tracing, { core, clock: 'virtual' });
    const trace = loops[0]!.stopTrace();
    validate(trace);
    const starts = of(trace, 'X', 'iteration').map((e) => e.ts);
    expect(starts).toEqual(Array.from({ length: 17 }, (_, k) => k * 0.5e6));
    expect(of(trace, 'X', 'trampoline')).toHaveLength(51);
    expect(of(trace, 's')).toHaveLength(48); // the trampolines' timers that fired by 8 s
  });

  it('a timer fired late says by how much (loop time)', async () => {
    const loop = vloop(core);
    loop.startTrace();
    loop.callLater(1, function late() {
      loop.stop();
    });
    loop.callSoon(() => loop.advance(3));
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    const it = of(trace, 'X', 'iteration').find((e) => e.args!.timersFired === 1)!;
    expect(it.args!.lateBy).toBe(2);
    expect(it.ts).toBe(3e6);
    loop.close();
  });

  it('iterations at one loop time are laid end to end, in order', async () => {
    const loop = vloop(core);
    loop.startTrace();
    let left = 50;
    loop.callSoon(function hop() {
      if (--left > 0) loop.callSoon(hop);
      else loop.stop();
    });
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    const its = of(trace, 'X', 'iteration');
    expect(its).toHaveLength(50);
    for (let i = 1; i < its.length; i++) expect(its[i]!.ts).toBeGreaterThanOrEqual(its[i - 1]!.ts + its[i - 1]!.dur! - EPS);
    loop.close();
  });

  it('a full ring keeps the newest events and counts the dropped ones; the trace stays valid', async () => {
    const loop = vloop(core);
    loop.startTrace({ capacity: 40 });
    trampoline(loop, 100);
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    const recorded = trace.traceEvents.filter((e) => e.ph !== 'M' && e.ph !== 'f').length; // an f is written from its callback's event
    // each iteration recorded X iteration, X tick, and a flow start (the last tick scheduled none); the counter once;
    // the first iteration (a callSoon: it ends no flow) is one SOLO record for its iteration and its callback
    expect(trace.otherData.dropped + 40).toBe(100 * 3 - 1 + 1 - 1);
    expect(recorded).toBeLessThanOrEqual(40);
    const its = of(trace, 'X', 'iteration');
    expect(its[its.length - 1]!.ts).toBe(99e6); // the newest survive
    expect(its[0]!.ts).toBeGreaterThan(80e6);
    loop.close();
  });

  it('an iteration of one callback is one record (SOLO) that exports both events, with the same ts and dur', async () => {
    const loop = vloop(core);
    let left = 100;
    loop.callSoon(function hop() {
      if (--left > 0) loop.callSoon(hop);
      else loop.stop();
    });
    loop.startTrace({ capacity: 10 });
    await loop.runForever();
    const live = wl.readTrace(loop.traceBuffers()!); // another thread's reader decodes the same records
    const trace = loop.stopTrace();
    validate(trace);
    // 100 iterations of one callback each: 100 records, and the counter once
    expect(trace.otherData.dropped + 10).toBe(100 + 1);
    const its = of(trace, 'X', 'iteration');
    const hops = of(trace, 'X', 'hop');
    expect(its).toHaveLength(10);
    expect(hops).toHaveLength(10);
    for (let k = 0; k < 10; k++) {
      expect(hops[k]).toMatchObject({ ts: its[k]!.ts, dur: its[k]!.dur, cat: 'callback' });
      expect(its[k]!.args).toMatchObject({ ready: 1, timersFired: 0, lateBy: 0 });
    }
    // (as another thread's reader of a ring still recording, it leaves out the record the writer may be writing)
    expect(of(live, 'X', 'hop')).toHaveLength(9);
    expect(of(live, 'X', 'iteration')).toHaveLength(9);
    loop.close();
  });

  it('traced, a callback that throws is reported with the handle callSoon returned, and its trace event is kept', async () => {
    const loop = vloop(core);
    const seen: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => seen.push(ctx.handle));
    loop.startTrace();
    const h = loop.callSoon(function boom() {
      throw new Error('boom');
    });
    loop.callLater(1, function after() {
      loop.stop();
    });
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    expect(seen).toEqual([h]);
    expect(seen[0]).toBe(h);
    expect(of(trace, 'X', 'boom')).toHaveLength(1);
    expect(of(trace, 'X', 'after')).toHaveLength(1);
    loop.close();
  });

  it('traced under an observer or in debug mode: the same events, each callback inside its iteration, timer flows kept', async () => {
    for (const mode of ['observer', 'debug'] as const) {
      const loop = vloop(core);
      if (mode === 'observer') loop.setObserver({ callback() {} });
      else loop.setDebug(true);
      loop.startTrace();
      trampoline(loop, 5);
      await loop.runForever();
      const trace = loop.stopTrace();
      validate(trace);
      const its = of(trace, 'X', 'iteration');
      const ticks = of(trace, 'X', 'tick');
      expect(its).toHaveLength(5);
      expect(ticks).toHaveLength(5);
      for (let k = 0; k < 5; k++) {
        expect(ticks[k]!.ts).toBeGreaterThanOrEqual(its[k]!.ts);
        expect(ticks[k]!.ts + ticks[k]!.dur!).toBeLessThanOrEqual(its[k]!.ts + its[k]!.dur! + EPS);
      }
      expect(trace.traceEvents.filter((e) => e.ph === 'f' && e.cat === 'timer')).toHaveLength(4);
      loop.close();
    }
  });

  it('tasks alive when the trace starts begin with it; tasks not done when it stops end with it, marked unfinished', async () => {
    const loop = vloop(core);
    const early = loop.createTask(async function early() {
      await sleep(1);
    });
    loop.startTrace();
    const late = loop.createTask(async function late() {
      await sleep(10);
    });
    loop.callLater(2, () => loop.stop());
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    expect(of(trace, 'b').map((e) => e.name)).toEqual([early.getName(), late.getName()]);
    expect(of(trace, 'e', early.getName())[0]!.args).toBeUndefined();
    expect(of(trace, 'e', late.getName())[0]!.args).toEqual({ unfinished: true });
    expect(of(trace, 'X', `${early.getName()} early()`).length).toBeGreaterThan(0);
    late.cancel();
    await loop.runUntilComplete(late).catch(() => {});
    loop.close();
  });

  it('stopTrace ends the recording: a new trace holds only what came after', async () => {
    const loop = vloop(core);
    loop.startTrace();
    loop.callSoon(function before() {
      loop.stop();
    });
    await loop.runForever();
    loop.stopTrace();
    loop.callSoon(function untraced() {
      loop.stop();
    });
    await loop.runForever();
    loop.startTrace();
    loop.callSoon(function after() {
      loop.stop();
    });
    await loop.runForever();
    const trace = loop.stopTrace();
    validate(trace);
    expect(of(trace, 'X', /^(before|untraced|after)$/).map((e) => e.name)).toEqual(['after']);
    loop.close();
  });

  it('on the monotonic clock ts is the host clock in µs', async () => {
    const loop = newEventLoop({ core });
    const t0 = performance.now() * 1000;
    loop.startTrace();
    // scheduled outside any callback: no flow (a guard, cancelled; the stop comes from `second`,
    // so how late the host's timers fire cannot decide whether `second` ran)
    const guard = loop.callLater(60, () => loop.stop());
    loop.callSoon(function first() {
      loop.callLater(0.001, function second() {
        loop.stop();
      });
    });
    await loop.runForever();
    guard.cancel();
    const trace = loop.stopTrace();
    const t1 = performance.now() * 1000;
    validate(trace);
    expect(trace.otherData.clock).toBe('monotonic');
    for (const e of trace.traceEvents.filter((x) => x.ph !== 'M')) {
      expect(e.ts).toBeGreaterThanOrEqual(t0);
      expect(e.ts).toBeLessThanOrEqual(t1);
    }
    expect(of(trace, 'f')).toHaveLength(1);
    loop.close();
  });

  it('errors: stop without start, start twice, a bad capacity, a closed loop', () => {
    const loop = vloop(core);
    expect(() => loop.stopTrace()).toThrow(RuntimeError);
    expect(() => loop.startTrace({ capacity: 0 })).toThrow(RangeError);
    expect(() => loop.startTrace({ capacity: 1.5 })).toThrow(RangeError);
    expect(() => loop.startTrace(null as never)).toThrow(TypeError);
    loop.startTrace();
    expect(() => loop.startTrace()).toThrow(RuntimeError);
    loop.stopTrace();
    loop.close();
    expect(() => loop.startTrace()).toThrow(RuntimeError);
  });
});

describe('the trace validator', () => {
  it('rejects what Perfetto would misread: overlapping slices, unmatched flows and spans, missing fields', () => {
    const base = (events: unknown[]): Trace =>
      ({
        traceEvents: [{ name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: 1, args: { name: 't' } }, ...(events as TraceEvent[])],
        displayTimeUnit: 'ms',
        otherData: { dropped: 0, clock: 'virtual', core: 'js', capacity: 1, producer: 'test' },
      }) as Trace;
    const x = (ts: number, dur: number) => ({ name: 'x', ph: 'X', ts, dur, pid: 1, tid: 1 });
    expect(() => validate(base([x(0, 10), x(2, 3)]))).not.toThrow();
    expect(() => validate(base([x(0, 10), x(5, 10)]))).toThrow(/overlaps/);
    expect(() => validate(base([x(0, 10), { name: 't', cat: 't', ph: 'f', id: 1, ts: 1, pid: 1, tid: 1 }]))).toThrow(/f without its s/);
    expect(() => validate(base([{ name: 'a', cat: 'task', ph: 'b', id: 1, ts: 1, pid: 1, tid: 1 }]))).toThrow(/never ends/);
    expect(() => validate(base([{ name: 'x', ph: 'X', ts: 0, pid: 1, tid: 1 }]))).toThrow(/needs dur/);
    expect(() => validate(base([{ ...x(0, 1), tid: 2 }]))).toThrow(/thread_name/);
  });

  it('is strict about each phase\'s fields and their types', () => {
    const base = (events: unknown[], top: Record<string, unknown> = {}): Trace =>
      ({
        traceEvents: [{ name: 'thread_name', ph: 'M', ts: 0, pid: 1, tid: 1, args: { name: 't' } }, ...(events as TraceEvent[])],
        displayTimeUnit: 'ms',
        otherData: { dropped: 0, clock: 'virtual', core: 'js', capacity: 1, producer: 'test' },
        ...top,
      }) as Trace;
    const x = { name: 'x', ph: 'X', ts: 0, dur: 10, pid: 1, tid: 1 };
    const s = { name: 'n', cat: 'thread', ph: 's', id: 7, ts: 1, pid: 1, tid: 1 };
    const f = { name: 'n', cat: 'thread', ph: 'f', bp: 'e', id: 7, ts: 2, pid: 1, tid: 1 };
    expect(() => validate(base([x, s, f]))).not.toThrow();
    expect(() => validate(base([{ ...x, id: 1 }]))).toThrow(/takes no field id/);
    expect(() => validate(base([x, { ...s, bp: 'e' }, f]))).toThrow(/takes no field bp/);
    expect(() => validate(base([x, s, { ...f, bp: 'x' }]))).toThrow(/bp/);
    expect(() => validate(base([x, { name: 'n', ph: 's', id: 7, ts: 1, pid: 1, tid: 1 }, f]))).toThrow(/needs cat/);
    expect(() => validate(base([x, { ...s, cat: undefined }, f]))).toThrow(/plain JSON/);
    expect(() => validate(base([x, s, { ...f, name: 'other' }]))).toThrow(/name it started with/);
    expect(() => validate(base([{ ...x, ts: NaN }]))).toThrow(/plain JSON/);
    expect(() => validate(base([{ ...x, ts: -1 }]))).toThrow(/ts/);
    expect(() => validate(base([{ ...x, pid: 1.5 }]))).toThrow(/integers/);
    expect(() => validate(base([{ ...x, dur: -1 }]))).toThrow(/duration/);
    expect(() => validate(base([{ name: 'c', ph: 'C', ts: 0, pid: 1, tid: 1, args: { a: 'x' } }]))).toThrow(/numeric/);
    expect(() => validate(base([{ name: 'c', ph: 'C', ts: 0, pid: 1, tid: 1, args: {} }]))).toThrow(/numeric/);
    expect(() => validate(base([{ name: 'weird', ph: 'M', ts: 0, pid: 1, tid: 1, args: { name: 'w' } }]))).toThrow(/unknown metadata/);
    expect(() => validate(base([{ ...x, ph: 'Q' }]))).toThrow(/known ph/);
    expect(() => validate(base([{ ...x, args: [1] }]))).toThrow(/args/);
    expect(() => validate(base([x, { ...s, id: -1 }, { ...f, id: -1 }]))).toThrow(/id/);
    expect(() => validate(base([x], { extra: 1 }))).toThrow(/top-level/);
    expect(() => validate(base([x], { displayTimeUnit: 's' }))).toThrow(/displayTimeUnit/);
    expect(() => validate(base([x, s]))).toThrow(/s without its f/);
    expect(() => validate(base([x, s]), { openThreadFlows: true })).not.toThrow();
    expect(() => validate(base([x, { ...s, cat: 'timer' }]), { openThreadFlows: true })).toThrow(/s without its f/);
  });
});
