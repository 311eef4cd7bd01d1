/**
 * Trace export — `loop.startTrace()` / `loop.stopTrace()`: the loop's iterations, callbacks, timers
 * and tasks as Chrome's Trace Event Format (JSON object format), which Perfetto (ui.perfetto.dev)
 * and chrome://tracing open.
 *
 * Recording: a ring of `capacity` events kept as parallel typed arrays (no object per event; the
 * newest events are kept, `otherData.dropped` counts the overwritten ones). The loop calls in from
 * its instrumented path (the one debug mode and observers use), so an untraced loop pays nothing
 * but the branch it already takes per iteration, plus one per callLater and per task created/done.
 * Names are resolved when the trace is exported, not while recording. The ring is this JavaScript
 * object: keeping it in the WASM core's shared memory, readable by another thread while the loop
 * runs, is a later step.
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
 * Timestamps are µs of loop time: the host's clock on a monotonic loop; on a virtual loop an
 * iteration starts at its loop time, or where the previous one ended if the clock did not move,
 * and the events inside it are laid out by their wall durations.
 */
import { describe } from './errors.js';
import { _Awaiter } from './futures.js';
import { TimerHandle, type Handle } from './handles.js';
import { host } from './hosts/index.js';

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
  otherData: { dropped: number; clock: string; core: string; capacity: number; producer: string };
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
interface TracedTask {
  getName(): string;
  readonly _coroRepr: string;
}

const ITER = 1;
const CB = 2;
const COUNTER = 3;
const FLOW = 4;
const TASK_B = 5;
const TASK_E = 6;
const PID = 1;
const TID = 1;
const DEFAULT_CAPACITY = 1 << 18;

export class Tracer {
  private readonly cap: number;
  private readonly kind: Uint8Array;
  private readonly ts: Float64Array;
  private readonly dur: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly c: Float64Array;
  private readonly ref: unknown[];
  private head = 0;
  private size = 0;
  private dropped = 0;
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
  private readonly flows = new Map<TimerHandle, number>();
  private nextFlow = 1;
  private readonly taskIds = new WeakMap<object, number>();
  private readonly stepOwner = new WeakMap<Function, TracedTask>();
  private nextTask = 1;

  constructor(
    private readonly loop: TracedLoop,
    opts: TraceOptions,
  ) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`startTrace() options must be an object, got ${describe(opts)}`);
    const cap = opts.capacity ?? DEFAULT_CAPACITY;
    if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1 || cap > 1 << 26) throw new RangeError(`startTrace() capacity must be an integer from 1 to 2^26, got ${describe(cap)}`);
    this.cap = cap;
    this.kind = new Uint8Array(cap);
    this.ts = new Float64Array(cap);
    this.dur = new Float64Array(cap);
    this.a = new Float64Array(cap);
    this.b = new Float64Array(cap);
    this.c = new Float64Array(cap);
    this.ref = new Array<unknown>(cap).fill(null);
    this.virtual = loop.clock === 'virtual';
    this.cursor = this.virtual ? loop.time() * 1e6 : 0;
    // tasks already running: their spans start with the trace
    const pending = (loop._extra.tasks as { pending?: Set<TracedTask> } | undefined)?.pending;
    if (pending) for (const t of pending) this.taskBegin(t, (t as unknown as { _stepFn: Function })._stepFn, (t as unknown as { _wakeupFn: Function })._wakeupFn);
  }

  /** The next ring slot (overwriting the oldest event when full). */
  private slot(k: number, ts: number): number {
    const i = this.head;
    this.head = i + 1 === this.cap ? 0 : i + 1;
    if (this.size < this.cap) this.size++;
    else this.dropped++;
    this.kind[i] = k;
    this.ts[i] = ts;
    return i;
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
    const i = this.slot(COUNTER, this.iterTs);
    this.a[i] = n;
    this.b[i] = timers;
  }

  /** A callback ran from t0 to t1 (host ms). */
  callback(h: Handle, t0: number, t1: number): void {
    const ts = this.virtual ? this.iterTs + (t0 - this.wallStart) * 1000 : t0 * 1000;
    let flow = 0;
    if (h instanceof TimerHandle) {
      if (this.fired++ === 0) this.lag = Math.max(0, this.tickTime - h._when);
      const id = this.flows.get(h);
      if (id !== undefined) {
        this.flows.delete(h);
        flow = id;
      }
    }
    const i = this.slot(CB, ts);
    this.dur[i] = (t1 - t0) * 1000;
    this.a[i] = flow;
    // the callback, or the task an await's settling resumes (not the handle: a ring that held
    // every handle would keep them all past the young generation)
    const args = h._args;
    this.ref[i] = Array.isArray(args) && args.length === 2 && args[1] instanceof _Awaiter && args[1].task !== null ? args[1].task : h._callback;
  }

  /** The iteration's callbacks all ran, at host ms `w`. */
  end(w: number): void {
    const dur = (w - this.wallStart) * 1000;
    const i = this.slot(ITER, this.iterTs);
    this.dur[i] = dur;
    this.a[i] = this.ready;
    this.b[i] = this.fired;
    this.c[i] = this.lag;
    this.ref[i] = this.virtual ? this.wallStart * 1000 : null;
    this.inIter = false;
    this.cursor = this.iterTs + dur;
  }

  /** callLater/callAt scheduled `h`: a flow starts here. */
  timer(h: TimerHandle): void {
    const id = this.nextFlow++;
    this.flows.set(h, id);
    const i = this.slot(FLOW, this.now());
    this.a[i] = id;
    this.b[i] = this.inIter ? 1 : 0; // a flow binds to the slice around its start: none outside an iteration
  }

  /** A task was created (or was running when the trace started); `step` and `wakeup` are its loop callbacks. */
  taskBegin(t: TracedTask, step: Function, wakeup: Function): void {
    const id = this.nextTask++;
    this.taskIds.set(t, id);
    this.stepOwner.set(step, t);
    this.stepOwner.set(wakeup, t);
    const i = this.slot(TASK_B, this.now());
    this.a[i] = id;
    this.ref[i] = t;
  }

  taskEnd(t: TracedTask): void {
    const id = this.taskIds.get(t);
    if (id === undefined) return;
    const i = this.slot(TASK_E, this.now());
    this.a[i] = id;
    this.ref[i] = t;
  }

  /** The task a recorded callback ran for (a step or wake-up of a task, or the settling of an await it made), else null. */
  private taskOf(ref: unknown): TracedTask | null {
    if (typeof ref === 'function') return this.stepOwner.get(ref) ?? null;
    return ref !== null && this.taskIds.has(ref as object) ? (ref as TracedTask) : null;
  }

  /** The trace as Trace Event Format JSON (object format). Unmatched flow ends and span ends are left out. */
  export(): Trace {
    const events: TraceEvent[] = [
      { name: 'process_name', ph: 'M', ts: 0, pid: PID, tid: TID, args: { name: 'wasmloop' } },
      { name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid: TID, args: { name: `event loop (${this.loop.core} core, ${this.loop.clock} clock)` } },
    ];
    const first = this.size < this.cap ? 0 : this.head;
    // what survives in the ring: flow starts (and which of them ended), task spans begun
    const flowStarts = new Set<number>();
    const flowEnds = new Set<number>();
    const begun = new Set<number>();
    for (let n = 0, i = first; n < this.size; n++, i = i + 1 === this.cap ? 0 : i + 1) {
      const k = this.kind[i];
      if (k === FLOW && this.b[i] === 1) flowStarts.add(this.a[i]!);
      else if (k === CB && this.a[i]! > 0) flowEnds.add(this.a[i]!);
    }
    const open = new Map<number, TracedTask>();
    let last = 0;
    for (let n = 0, i = first; n < this.size; n++, i = i + 1 === this.cap ? 0 : i + 1) {
      const ts = this.ts[i]!;
      switch (this.kind[i]) {
        case ITER: {
          const args: Record<string, unknown> = { ready: this.a[i], timersFired: this.b[i], lateBy: this.c[i] };
          if (this.ref[i] !== null) args.wallTs = this.ref[i];
          events.push({ name: 'iteration', cat: 'loop,iteration', ph: 'X', ts, dur: this.dur[i]!, pid: PID, tid: TID, args });
          last = Math.max(last, ts + this.dur[i]!);
          break;
        }
        case CB: {
          const ref = this.ref[i];
          const t = this.taskOf(ref);
          const name = t !== null ? `${t.getName()} ${t._coroRepr}` : (typeof ref === 'function' && ref.name) || '<anonymous>';
          events.push({ name, cat: t !== null ? 'callback,task' : 'callback', ph: 'X', ts, dur: this.dur[i]!, pid: PID, tid: TID });
          const flow = this.a[i]!;
          if (flow > 0 && flowStarts.has(flow)) events.push({ name: 'timer', cat: 'timer', ph: 'f', bp: 'e', id: flow, ts, pid: PID, tid: TID });
          last = Math.max(last, ts + this.dur[i]!);
          break;
        }
        case COUNTER:
          events.push({ name: 'loop', ph: 'C', ts, pid: PID, tid: TID, args: { ready: this.a[i], timers: this.b[i] } });
          break;
        case FLOW:
          if (this.b[i] === 1 && flowEnds.has(this.a[i]!)) events.push({ name: 'timer', cat: 'timer', ph: 's', id: this.a[i]!, ts, pid: PID, tid: TID });
          break;
        case TASK_B: {
          const t = this.ref[i] as TracedTask;
          const id = this.a[i]!;
          begun.add(id);
          open.set(id, t);
          events.push({ name: t.getName(), cat: 'task', ph: 'b', id, ts, pid: PID, tid: TID, args: { coro: t._coroRepr } });
          break;
        }
        case TASK_E: {
          const id = this.a[i]!;
          if (!begun.has(id)) break;
          open.delete(id);
          events.push({ name: (this.ref[i] as TracedTask).getName(), cat: 'task', ph: 'e', id, ts, pid: PID, tid: TID });
          break;
        }
      }
      last = Math.max(last, ts);
    }
    for (const [id, t] of open) events.push({ name: t.getName(), cat: 'task', ph: 'e', id, ts: last, pid: PID, tid: TID, args: { unfinished: true } });
    return {
      traceEvents: events,
      displayTimeUnit: 'ms',
      otherData: { dropped: this.dropped, clock: this.loop.clock, core: this.loop.core, capacity: this.cap, producer: 'wasmloop' },
    };
  }
}
