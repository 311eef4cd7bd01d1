/**
 * Trace export — `loop.startTrace()` / `loop.stopTrace()`: the loop's iterations, callbacks, timers
 * and tasks as Chrome's Trace Event Format (JSON object format), which Perfetto (ui.perfetto.dev)
 * and chrome://tracing open.
 *
 * Recording: a ring of `capacity` events in a SharedArrayBuffer the loop owns, with a string table
 * for the names beside it (trace-ring.ts documents the layout, its invariants and costs): the newest
 * events are kept, `otherData.dropped` counts the overwritten ones, and any thread given
 * `loop.traceBuffers()` reads it with `readTrace()` while the loop runs (remote.trace() does). The
 * loop calls in from its instrumented path (the one debug mode and observers use), so an untraced
 * loop pays nothing but the branch it already takes per iteration, plus one per callLater, per
 * task created/done and per submission to another thread.
 *
 * Format: Chrome's JSON object format, not Perfetto's protobuf TrackEvent. Perfetto's JSON import is
 * "best effort", but every construct used here (X, C, M, s/f flow v1 with bp 'e', b/e async spans)
 * is one it imports, and the same file opens in chrome://tracing, in the playground (a page with
 * no protobuf decoder) and in any JSON tool; the size that makes JSON slow in Perfetto (hundreds of
 * MB) is far past the ring's default of 2^18 events (≈ 30 MB of JSON). TrackEvent would save size
 * and add interned names, but needs a protobuf encoder in the package for no event we cannot show;
 * the ring's string table already gives the interning where it matters (recording).
 *
 * What is exported (pid 1, tid 1: the loop's thread, named by `thread_name` metadata):
 * - each iteration that ran callbacks: a complete event (`X`, cat `loop,iteration`) with args
 *   `ready` (callbacks taken), `timersFired`, `lateBy` (how late the earliest timer fired, seconds
 *   of loop time) and, on a virtual clock, `wallTs` (host µs);
 * - inside it each callback: an `X` named after the callback, or after the task for a task's step;
 * - a counter (`C`, name `loop`): `ready` (the iteration's callbacks) and `timers` pending, at
 *   each iteration where one of them changed;
 * - each timer scheduled by a callback: a flow (`s` in the callback where callLater ran, `f` bound
 *   to the callback it fired as; timers scheduled outside the loop's callbacks — before it runs, or
 *   by async code resumed between iterations — have no slice to start from and no flow);
 * - each task: an async span (`b`/`e`, cat `task`, its id) from creation (or the trace's start) to
 *   done (or the trace's end, with `args.unfinished`).
 * - each submission to another thread's loop, made by a callback of this (traced) loop: a flow
 *   (cat `thread`) that ends in the batch callback of the receiving loop, when that one is traced
 *   too (the id is unique across threads: merge the two traces with mergeTraces()).
 * Timestamps are µs of loop time: the host's clock on a monotonic loop; on a virtual loop an
 * iteration starts at its loop time, or where the previous one ended if the clock did not move,
 * and the events inside it are laid out by their wall durations.
 */
import { describe } from './errors.js';
import { _Awaiter } from './futures.js';
import type { TimerHandle } from './handles.js';
import { host } from './hosts/index.js';
import { threadToken } from './thread-state.js';
import { CB, COUNTER, FLOW_F, FLOW_S, ITER, SOLO, TASK_B, TASK_E, TraceRing, snapshot, type RingEvent, type RingSnapshot, type TraceBuffers } from './trace-ring.js';

export type { TraceBuffers } from './trace-ring.js';

/** Options of `loop.startTrace()`. */
export interface TraceOptions {
  /** Events the ring holds (default 1 << 18); the oldest are dropped past it. */
  capacity?: number;
}

/** One Trace Event Format event. */
export interface TraceEvent {
  /** What the event is: an iteration, a callback's repr, a task's name, a counter's name. */
  name: string;
  /** The phase: X complete, C counter, s/f flow start and end, b/e async begin and end, M metadata. */
  ph: 'X' | 'C' | 's' | 'f' | 'b' | 'e' | 'M';
  /** When it began, in microseconds of the loop's clock. */
  ts: number;
  /** The process id the viewer groups by (one for the loop). */
  pid: number;
  /** The track the event is drawn on (one for the loop). */
  tid: number;
  /** The category, for filtering. */
  cat?: string;
  /** How long it took, in microseconds (complete events). */
  dur?: number;
  /** The id that pairs flow or async events. */
  id?: number;
  /** A flow end binds to the enclosing slice. */
  bp?: 'e';
  /** Details shown with the event. */
  args?: Record<string, unknown>;
}

/**
 * What `loop.stopTrace()` gives: Chrome's Trace Event Format in its JSON object form, for Perfetto or
 * chrome://tracing. No asyncio counterpart.
 */
export interface Trace {
  /** The events, oldest first. */
  traceEvents: TraceEvent[];
  /** How viewers show times: milliseconds. */
  displayTimeUnit: 'ms';
  /**
   * Facts about the recording: `dropped`, the events lost because the ring was full (the oldest go
   * first); `clock` and `core`, the loop's; `capacity`, the events the ring holds; `producer`,
   * what made the trace.
   */
  otherData: {
    dropped: number;
    clock: string;
    core: string;
    capacity: number;
    producer: string;
    /** The recording thread's name. */
    thread?: string;
    /** The host's `performance.timeOrigin` (ms) in the recording thread: `mergeTraces()` aligns monotonic traces by it. */
    timeOrigin?: number;
    /** names the string table could not hold, shown as placeholders by another thread's reader */
    namesLost?: number;
  };
}

/** What the tracer needs from its loop (loop.ts imports this file). */
export interface TracedLoop {
  readonly core: string;
  readonly clock: string;
  time(): number;
  readonly _core: { timerCount(): number };
  _extra: Record<string, unknown>;
}

/** What the tracer needs from a task (tasks.ts imports loop.ts, so not the class itself). */
export interface TracedTask {
  getName(): string;
  readonly _coroRepr: string;
}

const PID = 1;
const DEFAULT_CAPACITY = 1 << 18;

/** This thread's trace tid: 1 on the main thread, else one drawn from its token (distinct per thread, stable). */
const TID = ((): number => {
  const name = host.threadName();
  if (name === 'MainThread' || name === 'main') return 1;
  let h = 2166136261;
  for (let i = 0; i < threadToken.length; i++) h = Math.imul(h ^ threadToken.charCodeAt(i), 16777619);
  return 2 + ((h >>> 0) % 0x3fffffff);
})();

/** Flow ids unique across threads: a tag drawn per thread, times 2^32, plus a count. */
const FLOW_TAG = (1 + Math.floor(Math.random() * 0xfffff)) * 2 ** 32;
let flowCount = 0;
const nextFlowId = (): number => FLOW_TAG + (++flowCount % 2 ** 32);

/** A callback's name, never throwing (a getter or a Proxy may). */
function fnName(f: object): string {
  try {
    const n: unknown = (f as { name?: unknown }).name;
    return typeof n === 'string' && n.length > 0 ? n : '<anonymous>';
  } catch {
    return '<anonymous>';
  }
}

const timeOrigin = (): number => {
  const p = (globalThis as { performance?: { timeOrigin?: number } }).performance;
  return typeof p?.timeOrigin === 'number' ? p.timeOrigin : 0;
};

export class Tracer {
  readonly ring: TraceRing;
  private readonly virtual: boolean;
  /** in an iteration: its ts (µs), the host ms it began, the loop time of its tick */
  private inIter = false;
  private iterTs = 0;
  private wallStart = 0;
  private tickTime = 0;
  private ready = 0;
  private fired = 0;
  private lag = 0;
  private lastReady = -1;
  private lastTimers = -1;
  /** where the last iteration ended (µs): a virtual loop's next one starts no earlier */
  private cursor = 0;
  /** by slot: the flow of the timer scheduled into it (0 or a hole: none); a slot's next timer overwrites it */
  private readonly flowOf: number[] = [];
  private readonly taskIds = new WeakMap<object, number>();
  /** the name of a callback (or of the task behind a step, wake-up or await): string id × 2, plus 1 for a task's */
  private readonly names = new WeakMap<object, number>();
  private nextTask = 1;
  /** a one-entry cache in front of `names`: the last callback named, and its name */
  private lastRef: object | null = null;
  private lastName = 0;
  /** the iteration's one callback, held for its SOLO record: its name + 1 (0: none held), and its end (host ms) */
  private solo = 0;
  private soloEnd = 0;

  /** `into`: a port's growable buffers to record into (remote.trace), else the ring gets its own. */
  constructor(
    private readonly loop: TracedLoop,
    opts: TraceOptions,
    into?: TraceBuffers,
  ) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`startTrace() options must be an object, got ${describe(opts)}`);
    const cap = opts.capacity ?? DEFAULT_CAPACITY;
    if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1 || cap > 1 << 26) throw new RangeError(`startTrace() capacity must be an integer from 1 to 2^26, got ${describe(cap)}`);
    this.virtual = loop.clock === 'virtual';
    this.cursor = this.virtual ? loop.time() * 1e6 : 0;
    this.ring = new TraceRing(cap, { core: loop.core, clock: loop.clock, thread: host.threadName(), tid: TID, start: timeOrigin() }, into);
    // tasks already running: their spans start with the trace
    const pending = (loop._extra.tasks as { pending?: Set<TracedTask> } | undefined)?.pending;
    if (pending) for (const t of pending) this.taskBegin(t, (t as unknown as { _stepFn: Function })._stepFn, (t as unknown as { _wakeupFn: Function })._wakeupFn);
  }

  /** Now, in trace µs. */
  private now(): number {
    if (!this.virtual) return host.now() * 1000;
    if (this.inIter) return this.iterTs + (host.now() - this.wallStart) * 1000;
    return Math.max(this.loop.time() * 1e6, this.cursor);
  }

  /** An iteration begins at host ms `w` with `n` callbacks taken from the core. */
  begin(n: number, w: number): void {
    this.wallStart = w;
    this.tickTime = this.virtual ? this.loop.time() : w / 1000;
    this.iterTs = this.virtual ? Math.max(this.tickTime * 1e6, this.cursor) : w * 1000;
    this.inIter = true;
    this.ready = n;
    this.fired = 0;
    this.lag = 0;
    // the counters, when they changed
    const timers = this.loop._core.timerCount();
    if (n === this.lastReady && timers === this.lastTimers) return;
    this.lastReady = n;
    this.lastTimers = timers;
    const ring = this.ring;
    const r = ring.claim(COUNTER, this.iterTs);
    ring.i32[2 * r + 10] = n;
    ring.i32[2 * r + 11] = timers;
    ring.publish();
  }

  /**
   * A callback ran from t0 to t1 (host ms): `cb`, given `arg`, from `slot`; `when` is a timer's
   * deadline, NaN for a ready callback. No Handle: the loop keeps none for a slot it runs (API.md
   * §5.8), and the record needs only a name and a flow.
   */
  callback(cb: object, arg: unknown, slot: number, when: number, t0: number, t1: number): void {
    let flow = 0;
    if (when === when) {
      if (this.fired++ === 0) this.lag = Math.max(0, this.tickTime - when);
      const id = this.flowOf[slot];
      if (id !== undefined && id !== 0) {
        this.flowOf[slot] = 0;
        flow = id;
      }
    }
    // the callback, or the task an await's settling resumes
    let ref = cb;
    if (Array.isArray(arg) && arg.length === 2) {
      const aw: unknown = arg[1];
      if (aw instanceof _Awaiter && aw.task !== null && this.taskIds.has(aw.task)) ref = aw.task as object;
    }
    // the name: the last callback's again (a trampoline's), else looked up, else interned once
    let v = this.lastName;
    if (ref !== this.lastRef) {
      const known = this.names.get(ref);
      v = known ?? this.ring.intern(fnName(ref)) * 2;
      if (known === undefined) this.names.set(ref, v);
      this.lastRef = ref;
      this.lastName = v;
    }
    // the iteration's only callback, from its start, ending no flow: end() writes both in one record
    if (this.ready === 1 && flow === 0 && t0 === this.wallStart) {
      this.solo = v + 1;
      this.soloEnd = t1;
      return;
    }
    this.cbRecord(this.virtual ? this.iterTs + (t0 - this.wallStart) * 1000 : t0 * 1000, (t1 - t0) * 1000, flow, v);
  }

  /** A CB record: a callback at `ts` for `dur` (µs), ending timer flow `flow` (0: none), named `v` (string id × 2, plus 1 for a task's). */
  private cbRecord(ts: number, dur: number, flow: number, v: number): void {
    const ring = this.ring;
    const r = ring.claim(CB, ts);
    const i = 2 * r + 8;
    ring.f64[r + 1] = dur;
    ring.f64[r + 2] = flow;
    ring.i32[i + 1] = v >> 1;
    ring.i32[i + 2] = v & 1;
    ring.publish();
  }

  /** The iteration's callbacks all ran, at host ms `w`. */
  end(w: number): void {
    const dur = (w - this.wallStart) * 1000;
    const ring = this.ring;
    const solo = this.solo;
    let r: number;
    if (solo !== 0) {
      this.solo = 0;
      // something ran after it: its own record (it started the iteration, so at the iteration's ts)
      if (w !== this.soloEnd) this.cbRecord(this.iterTs, (this.soloEnd - this.wallStart) * 1000, 0, solo - 1);
      else {
        r = ring.claim(SOLO, this.iterTs);
        const i = 2 * r + 8;
        ring.i32[i + 1] = (solo - 1) >> 1;
        ring.i32[i + 2] = (solo - 1) & 1;
        ring.i32[i + 3] = this.fired;
        return this.iterRecord(r, dur);
      }
    }
    r = ring.claim(ITER, this.iterTs);
    ring.i32[2 * r + 10] = this.ready;
    ring.i32[2 * r + 11] = this.fired;
    this.iterRecord(r, dur);
  }

  /** The fields an ITER and a SOLO record share, then publish; the iteration is over. */
  private iterRecord(r: number, dur: number): void {
    const ring = this.ring;
    ring.f64[r + 1] = dur;
    ring.f64[r + 2] = this.lag;
    ring.f64[r + 3] = this.virtual ? this.wallStart * 1000 : -1;
    ring.publish();
    this.inIter = false;
    this.cursor = this.iterTs + dur;
  }

  /** callLater/callAt scheduled `h`: a flow starts here. */
  timer(h: TimerHandle): void {
    const id = nextFlowId();
    this.flowOf[h._slot] = id;
    this.flowStart(id, 0);
  }

  private flowStart(id: number, thread: number): void {
    const ring = this.ring;
    const r = ring.claim(FLOW_S, this.now());
    ring.f64[r + 2] = id;
    ring.i32[2 * r + 10] = this.inIter ? 1 : 0; // a flow binds to the slice around its start: none outside an iteration
    ring.i32[2 * r + 11] = thread;
    ring.publish();
  }

  /** A callback of this loop submits to another thread's loop: the id the submission carries, 0 for none (outside a callback). */
  flowOut(): number {
    if (!this.inIter) return 0;
    const id = nextFlowId();
    this.flowStart(id, 1);
    return id;
  }

  /** A submission from another thread carrying flow `id` runs now, in the batch callback. */
  flowIn(id: number): void {
    if (!this.inIter) return;
    const ring = this.ring;
    const r = ring.claim(FLOW_F, this.now());
    ring.f64[r + 2] = id;
    ring.i32[2 * r + 11] = 1;
    ring.publish();
  }

  /** A task was created (or was running when the trace started); `step` and `wakeup` are its loop callbacks. */
  taskBegin(t: TracedTask, step: Function, wakeup: Function): void {
    const id = this.nextTask++;
    const ring = this.ring;
    this.taskIds.set(t, id);
    const name = t.getName();
    const cb = ring.intern(`${name} ${t._coroRepr}`) * 2 + 1;
    this.names.set(step, cb);
    this.names.set(wakeup, cb);
    this.names.set(t, cb);
    const nameId = ring.intern(name);
    const coro = ring.intern(t._coroRepr);
    const r = ring.claim(TASK_B, this.now());
    ring.i32[2 * r + 9] = nameId;
    ring.i32[2 * r + 10] = id;
    ring.i32[2 * r + 11] = coro;
    ring.publish();
  }

  taskEnd(t: TracedTask): void {
    const id = this.taskIds.get(t);
    if (id === undefined) return;
    const ring = this.ring;
    const nameId = ring.intern(t.getName());
    const r = ring.claim(TASK_E, this.now());
    ring.i32[2 * r + 9] = nameId;
    ring.i32[2 * r + 10] = id;
    ring.publish();
  }

  /** Recording ends: a reader in another thread sees the ring stopped. */
  stop(): void {
    this.ring.stop();
  }

  /** The trace as Trace Event Format JSON (object format). */
  export(): Trace {
    return decode(snapshot(this.ring.buffers, this.ring.local));
  }
}

/**
 * The trace a ring holds now, read in any thread (give it `loop.traceBuffers()`), while the loop
 * runs on: what remote.trace() uses.
 */
export function readTrace(buffers: TraceBuffers): Trace {
  return decode(snapshot(buffers));
}

/**
 * A ring's events as Trace Event Format JSON. Timer flows whose start or end was overwritten, and
 * span ends whose begin was, are left out; spans still open end with the trace (`args.unfinished`).
 * Thread flows are kept whole on this side: their other end is in the other thread's trace.
 */
export function decode(snap: RingSnapshot): Trace {
  const tid = snap.tid;
  const events: TraceEvent[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid: PID, tid, args: { name: 'wasmloop' } },
    { name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid, args: { name: `event loop ${snap.thread} (${snap.core} core, ${snap.clock} clock)` } },
  ];
  const evs = snap.events;
  const flowStarts = new Set<number>();
  const flowEnds = new Set<number>();
  for (const e of evs) {
    if (e.kind === FLOW_S && e.b === 0 && e.a === 1) flowStarts.add(e.x);
    else if (e.kind === CB && e.x > 0) flowEnds.add(e.x);
  }
  const begun = new Set<number>();
  const open = new Map<number, string>();
  let last = 0;
  /** A callback's complete event (a CB record, or a SOLO record's callback: same name, a, ts, dur). */
  const callback = (e: RingEvent): void => {
    events.push({ name: snap.name(e.name), cat: e.a === 1 ? 'callback,task' : 'callback', ph: 'X', ts: e.ts, dur: e.dur, pid: PID, tid });
  };
  /** An iteration's complete event (an ITER record, or a SOLO record's iteration). */
  const iteration = (e: RingEvent, ready: number, timersFired: number): void => {
    const args: Record<string, unknown> = { ready, timersFired, lateBy: e.x };
    if (e.y >= 0) args.wallTs = e.y;
    events.push({ name: 'iteration', cat: 'loop,iteration', ph: 'X', ts: e.ts, dur: e.dur, pid: PID, tid, args });
  };
  for (const e of evs) {
    const ts = e.ts;
    switch (e.kind) {
      case ITER:
        iteration(e, e.a, e.b);
        last = Math.max(last, ts + e.dur);
        break;
      case SOLO:
        // an iteration of one callback: the callback, then the iteration, as a CB and an ITER record give them
        callback(e);
        iteration(e, 1, e.b);
        last = Math.max(last, ts + e.dur);
        break;
      case CB:
        callback(e);
        if (e.x > 0 && flowStarts.has(e.x)) events.push({ name: 'timer', cat: 'timer', ph: 'f', bp: 'e', id: e.x, ts, pid: PID, tid });
        last = Math.max(last, ts + e.dur);
        break;
      case COUNTER:
        events.push({ name: 'loop', ph: 'C', ts, pid: PID, tid, args: { ready: e.a, timers: e.b } });
        break;
      case FLOW_S:
        if (e.a !== 1) break;
        if (e.b === 1) events.push({ name: 'submission', cat: 'thread', ph: 's', id: e.x, ts, pid: PID, tid });
        else if (flowEnds.has(e.x)) events.push({ name: 'timer', cat: 'timer', ph: 's', id: e.x, ts, pid: PID, tid });
        break;
      case FLOW_F:
        events.push({ name: 'submission', cat: 'thread', ph: 'f', bp: 'e', id: e.x, ts, pid: PID, tid });
        break;
      case TASK_B: {
        const name = snap.name(e.name);
        begun.add(e.a);
        open.set(e.a, name);
        events.push({ name, cat: 'task', ph: 'b', id: e.a, ts, pid: PID, tid, args: { coro: snap.name(e.b) } });
        break;
      }
      case TASK_E: {
        const name = open.get(e.a);
        if (!begun.has(e.a) || name === undefined) break;
        open.delete(e.a);
        events.push({ name, cat: 'task', ph: 'e', id: e.a, ts, pid: PID, tid });
        break;
      }
    }
    last = Math.max(last, ts);
  }
  for (const [id, name] of open) events.push({ name, cat: 'task', ph: 'e', id, ts: last, pid: PID, tid, args: { unfinished: true } });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { dropped: snap.dropped, clock: snap.clock, core: snap.core, capacity: snap.cap, producer: 'wasmloop', thread: snap.thread, timeOrigin: snap.start, namesLost: snap.namesLost },
  };
}

/**
 * One trace of several threads' traces (say, a worker's and the main thread's, whose submissions
 * flow between them): their events together, monotonic ones moved onto the earliest thread's
 * clock (each host thread's clock starts at its own performance.timeOrigin). Task span ids are
 * kept apart by their thread; flow ids already are.
 */
export function mergeTraces(...given: Trace[]): Trace {
  if (given.length === 0) throw new TypeError('mergeTraces() needs at least one trace');
  // plain copies: what JSON cannot hold (getters that throw, Proxies, cycles) is refused here
  const traces = given.map((t) => {
    let copy: Trace | null = null;
    try {
      copy = JSON.parse(JSON.stringify(t)) as Trace;
    } catch {
      copy = null;
    }
    const ok =
      copy !== null && typeof copy === 'object' && Array.isArray(copy.traceEvents) && copy.otherData !== null && typeof copy.otherData === 'object' &&
      copy.traceEvents.every((e) => e !== null && typeof e === 'object' && typeof e.ts === 'number' && typeof e.ph === 'string' && typeof e.tid === 'number');
    if (!ok) throw new TypeError(`mergeTraces() needs traces (what stopTrace() or readTrace() returns), got ${describe(t)}`);
    return copy!;
  });
  const origins = traces.map((t) => (t.otherData?.clock === 'monotonic' ? (t.otherData.timeOrigin ?? 0) : null));
  const base = Math.min(...origins.map((o) => o ?? Infinity));
  const out: TraceEvent[] = [];
  const seenMeta = new Set<string>();
  traces.forEach((t, k) => {
    const shift = origins[k] === null ? 0 : (origins[k]! - base) * 1000;
    for (const e of t.traceEvents) {
      if (e.ph === 'M') {
        const key = `${e.name}:${e.pid}:${e.tid}`;
        if (seenMeta.has(key)) continue;
        seenMeta.add(key);
        out.push(e);
        continue;
      }
      const moved: TraceEvent = { ...e, ts: e.ts + shift };
      if ((e.ph === 'b' || e.ph === 'e') && e.id !== undefined) moved.id = e.tid * 2 ** 20 + e.id;
      out.push(moved);
    }
  });
  const first = traces[0]!.otherData;
  return {
    traceEvents: out,
    displayTimeUnit: 'ms',
    otherData: { ...first, dropped: traces.reduce((n, t) => n + (t.otherData?.dropped ?? 0), 0), thread: traces.map((t) => t.otherData?.thread ?? '?').join(', ') },
  };
}
