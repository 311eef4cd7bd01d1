/**
 * EventLoop — the portable loop (asyncio's base_events.py), the same over either core.
 *
 * Data: the core (timer heap, ready ring, batch; see core/types.ts) holds slots; the loop holds
 * what runs for each slot in one table, four entries per slot from `i = slot << 2`: `_slots[i]` the
 * callback, `_slots[i + 1]` its arguments (as handles.ts ARGS_* says), `_slots[i + 2]` its Context
 * or context vars, `_slots[i + 3]` how to read the two (handles.ts flags); `_whens[slot]` a timer's
 * deadline. One array, not four: each access to a JS array checks its map, elements and length,
 * and V8 checks one array once for the four entries a callback reads (W1s: ~100 instructions per
 * callback less than four tables). The callback is set from scheduling until it runs or is
 * cancelled (then undefined, with its arguments and context cleared so nothing is held). The
 * Handle that callSoon returns is not kept:
 * it names (slot, gen), and cancels through `_cancelHandle`; the work the loop schedules for itself
 * (`_soonAlways`: done callbacks, task steps, host events) makes no Handle at all. Only while the
 * loop is instrumented (debug mode, an observer, a trace) `_handles[slot]` keeps the user's handle,
 * so that reports, observers and traces see that object.
 * `_overflow` holds, in order, handles of work no caller could be told was refused (done
 * callbacks, steps scheduled from a step, host events) that the core had no slot for; they enter
 * the ready ring right after a tick frees room (`_soonAlways`, `_drainOverflow`).
 *
 * The loop itself is one screen, the section "the loop" of EventLoop (search `---- the loop`):
 * one iteration (`_iterate`) = one `core.tick` (a single call into the WASM core) that yields the
 * batch of slots, then the batch's callbacks, one at a time, in order; one idle policy
 * (`_timeout`) says how long the loop may wait after it; two drivers wait that long. Between
 * iterations the non-blocking runner (`_runAsync`) awaits once (pending promise reactions run),
 * returns to the host at least every `HOST_TURN_MS` and whenever idle, and sleeps in the host until
 * the next timer or a wake-up (scheduling onto a sleeping loop wakes it). The blocking runner
 * (`_runSync`) sleeps in Atomics.wait. The clock is one object (clock.ts), real or virtual.
 */
import { Context, currentContext as currentContextCell, enterCallbacks as enterCallbacksCell, leaveCallbacks as leaveCallbacksCell } from './context.js';
import { type Core, type CoreKind, type WakeCell, isMemoryExhausted } from './core/types.js';
import { createJsCore } from './core/js.js';
import { createWasmCore, isMemoryRefused } from './core/wasm.js';
import { inboxWords, sleepMark } from './core/inbox.js';
import { RuntimeError, describe } from './errors.js';
import { type Clock, type ClockKind, checkSeconds, createClock } from './clock.js';
import { isInstance, peek, safeString } from './repr.js';
import { checkCallable, isCallable } from './callables.js';
import { Future, type FutureLoop } from './futures.js';
import {
  ARGS_ARRAY as ARGS_ARRAY_CELL,
  ARGS_NONE as ARGS_NONE_CELL,
  ARGS_ONE as ARGS_ONE_CELL,
  ARGS_SHIFT as ARGS_SHIFT_CELL,
  EXPLICIT_CONTEXT as EXPLICIT_CONTEXT_CELL,
  Handle,
  TIMER_SLOT as TIMER_SLOT_CELL,
  TimerHandle,
  firstUserFrame,
  formatCallback,
  formatHandle,
  invoke as invokeCell,
  noteOwnFile,
  type HandleOwner,
} from './handles.js';
import { host } from './hosts/index.js';
import { takeAsyncWork as takeAsyncWorkCell } from './attribution.js';
import { enterRunning, leaveRunning } from './thread-state.js';
// what port(), expose() and the executor methods call: imported, not registered at load time, so
// a bundle that keeps EventLoop keeps them (a bundler drops a module imported for its side effect)
import { exposeOn, portOf, type LoopPort } from './ports.js';
import { createTaskOn, ensureFutureOn, type CoroutineLike, type Task } from './tasks.js';
import { runInExecutorOn, setDefaultExecutorOn, shutdownDefaultExecutorOn } from './executor-calls.js';
import type { Executor } from './executor.js';
import { StatsRecorder, type LoopStats } from './stats.js';
import { Tracer, type Trace, type TraceBuffers, type TraceOptions } from './trace.js';
import { hostIO, reactorOnly } from './io/host.js';
import type { AddrInfo, ConnectionOptions, GetAddrInfoOptions, Server, ServerOptions, SubprocessOptions, SubprocessTransport, Transport, UnixServerOptions } from './io/host.js';
import type { ProtocolLike, SubprocessProtocolLike } from './io/protocols.js';

noteOwnFile(new Error().stack); // this file's frames are wasmloop's own (handles.ts firstUserFrame)

// What the callback path uses from other modules, as this module's own constants: V8 folds a
// module's unexported constant into optimized code, but an imported binding is a module cell (dist/
// keeps one file per module) that it loads and checks for initialization at every use — ~40
// instructions per callback on W1s under callgrind, for the flags bits, invoke and the Handle class
// (and per iteration of the runners, for the context switch and takeAsyncWork).
const ARGS_ARRAY = ARGS_ARRAY_CELL;
const ARGS_NONE = ARGS_NONE_CELL;
const ARGS_ONE = ARGS_ONE_CELL;
const ARGS_SHIFT = ARGS_SHIFT_CELL;
const EXPLICIT_CONTEXT = EXPLICIT_CONTEXT_CELL;
const TIMER_SLOT = TIMER_SLOT_CELL;
const invoke = invokeCell;
const currentContext = currentContextCell;
const enterCallbacks = enterCallbacksCell;
const leaveCallbacks = leaveCallbacksCell;
const takeAsyncWork = takeAsyncWorkCell;
const HandleClass = Handle;
const TimerHandleClass = TimerHandle;

export type { ClockKind } from './clock.js';

/**
 * Options of `newEventLoop()` (API.md §1.1). Each is checked: a bad value is a TypeError (RangeError
 * for an out-of-range number) and no loop is made.
 */
export interface LoopOptions {
  /** `'wasm'` (default, or what `install()` chose) or `'js'`. */
  core?: CoreKind;
  /** `'monotonic'` (default) or `'virtual'`. */
  clock?: ClockKind;
  /**
   * Debug mode (default: on where the environment has `WASMLOOP_DEBUG=1`): slow callbacks are reported
   * and handles remember where they were made. asyncio's `debug`.
   */
  debug?: boolean;
  /**
   * Most bytes the core's memory may grow to (default 1 GiB): the WASM core's WebAssembly memory
   * (whole 64 KiB pages), the JS core's typed arrays. Past it, scheduling throws a RangeError.
   */
  maximumMemory?: number;
  /** Most callbacks and timers that may be pending at once, on either core (default 2^26). */
  maxEntries?: number;
  /** Size of the cross-thread inbox that `port()` opens, in bytes (default 1 MiB; a power of two is used). */
  inboxBytes?: number;
}

/**
 * What an error report carries (asyncio's exception handler `context` dict): a message, the exception,
 * and the handle, future or task involved; other keys are allowed.
 */
export interface ExceptionContext {
  /** What happened, in words (asyncio's `message`). */
  message?: string;
  /** The thrown value, when there is one. */
  exception?: unknown;
  /** The callback's handle, when a callback threw. */
  handle?: Handle;
  /** The future whose exception was never retrieved, or which a callback concerned. */
  future?: Future<unknown>;
  /** The task involved (a task step, a task destroyed while pending). */
  task?: Future<unknown>;
  [key: string]: unknown;
}

/**
 * A loop's exception handler: called with the loop and the report; what it throws goes to the default
 * handler (asyncio's `loop.set_exception_handler` handler).
 */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/**
 * Watches a loop run, for tools (the playground's timeline, profilers): told when each iteration
 * begins and after each callback it runs. Costs nothing when no observer is set (the loop takes
 * its debug path only while one is). Observers must not schedule onto or run the loop.
 */
export interface LoopObserver {
  /** An iteration begins at loop time `time`, with `size` callbacks taken from the core (cancelled ones included). */
  iteration?(loop: EventLoop, time: number, size: number): void;
  /** A callback ran, from `start` to `end` in host milliseconds (performance.now). */
  callback?(handle: Handle, start: number, end: number): void;
}

/** How long the non-blocking runner may keep the thread before giving the host a turn. */
export const HOST_TURN_MS = 4;
/** Awaiting a settled native promise takes one microtask turn without wrapping a value in a new promise. */
const RESOLVED = Promise.resolve();
/** At most this many extra microtask turns between two iterations for async-function tasks' awaits. */
const MAX_ASYNC_HOPS = 64;
/** `when` for callSoon in the one dispatch (`_call`): not a deadline. */
const SOON = NaN;
/** The idle policy's answer "let promise chains settle, then ask again" (`_timeout`). */
const SETTLE = -1;
/** How many callbacks the non-blocking runner runs between two looks at the clock. */
const TURN_CHECK = 64;

/** Never passed in by a caller (not exported): what `_plainFn` holds when nothing is cached. */
const UNCHECKED = function unchecked(): void {};
const AsyncFunction = (async () => {}).constructor;

/** A promise (any thenable but a Future) or an async function: work only promise reactions advance. */
function isPromiseWork(v: unknown): boolean {
  if (typeof v === 'function') return peek(v, 'constructor') === AsyncFunction;
  // a toolkit coroutine (wait(), q.get()) is a thenable generator: a task drives it without promises
  return v !== null && typeof v === 'object' && !isInstance(v, Future) && typeof peek(v, 'then') === 'function' && typeof peek(v, 'next') !== 'function';
}

let defaultCore: CoreKind = 'wasm';
/** Whether install() named the default core (a named core is never swapped for the other). */
let defaultNamed = false;
/** @internal */
export function _setDefaultCore(core: CoreKind, named: boolean): void {
  defaultCore = core;
  defaultNamed = named;
}

export function checkCoreKind(core: unknown): CoreKind {
  if (core !== 'wasm' && core !== 'js') throw new TypeError(`core must be 'wasm' or 'js', got ${describe(core)}`);
  return core;
}


/** @internal The owner's side of the cross-thread inbox (ports.ts), once port() or expose() opened it. */
export interface InboxOwner {
  /** Whether a committed submission waits to be drained (checked once per iteration). */
  pending(): boolean;
  /**
   * Drained submissions whose batch callback could not be scheduled: the core's memory was
   * exhausted. They wait in the drain area (the inbox holds the rest, so producers wait for room)
   * until a tick frees slots; the loop retries right after each tick.
   */
  readonly stalled: boolean;
  /** Schedules everything that arrived (one crossing into the core, one callback), or retries a stalled batch. */
  drain(): void;
  /** Milliseconds the loop may sleep before it looks at its inbox again (a record stuck at its head; Infinity: no bound). */
  due(): number;
  /** The loop goes to sleep in the host: arm a wake-up for submissions from other threads. */
  arm(): void;
  /** The loop woke up for another reason: release what arm() set. */
  disarm(): void;
  close(): void;
}


/**
 * Python's asyncio event loop (`asyncio.AbstractEventLoop`, as `asyncio.BaseEventLoop` implements it)
 * on a WASM or a JS core: callbacks, timers, futures and tasks, one iteration at a time, in the thread
 * that made it. Make one with `newEventLoop()`; API.md is its contract. Loop I/O methods
 * (createConnection, subprocessExec, …) need a host module: `import 'wasmloop/node'`, else they throw
 * NotImplementedError naming it.
 *
 * Invariants of the fields (what each method may assume, and must leave true):
 * - `_slots[slot << 2]` is the callback of every slot the core holds (ready ring, timers, the batch
 *   not yet run), with its arguments, context and flags in the next three entries (and `_whens[slot]`
 *   for a timer); `undefined` once it ran or was cancelled. `_slots` is filled in slot order (the
 *   core hands out the lowest free slot first), so it never has holes for V8 to make it sparse. A Handle cancels its slot only while the slot's generation is its own.
 *   `_handles[slot]` is set only while the loop is instrumented.
 * - `_overflow` holds handles with no slot (`_slot === -1`), in order, each to run after everything
 *   in the ready ring; non-empty only after the core refused a slot; drained right after each tick.
 * - `_running` while a driver is on the stack (`_enter` … `_leave`); `_stopping` only while running;
 *   `_closed` is final (the core freed, the tables and `_overflow` empty).
 * - `_sleepResolve !== null` exactly while `_runAsync` sleeps in the host (`_sleep`), `_sleepTimer`
 *   only then; `_blocking` exactly while `_runSync` drives. Whatever adds work ends either wait
 *   (`_wake`, `_notifyBlocked`).
 * - `_plainFn` is UNCHECKED or the last callback that passed the callback check; UNCHECKED while the
 *   loop sleeps, blocks, is stopped or closed.
 * - `_promiseActivity`: a loop awaitable settled a promise since the idle policy last let promises
 *   settle; with `_promiseBridges > 0`, a clock that jumps waits for them (`_timeout`).
 * - `_instrumented === (_debug || _observer !== null || _tracer !== null)`.
 * - `_clock.now()` never decreases.
 */
export class EventLoop implements HandleOwner, FutureLoop {
  /** Which core this loop drives. */
  readonly core: CoreKind;
  /** Which clock this loop keeps: `'monotonic'` or `'virtual'`. */
  readonly clock: ClockKind;
  /** Callbacks slower than this (seconds) are reported in debug mode. */
  slowCallbackDuration = 0.1;

  /** @internal */ _core: Core;
  // what runs for each slot (see the top of this file): set by _soon/_at/_soonAlways, cleared when it runs or is cancelled
  /** @internal four entries per slot: callback, arguments, context, flags (see the top of this file) */
  _slots: unknown[] = [];
  private _whens: number[] = [];
  /** instrumented loops only: the user's handle by slot (what reports, observers and traces are given) */
  private _handles: Array<Handle | undefined> = [];
  /** @internal real or virtual (clock.ts): the loop asks it, never which one it is */
  readonly _clock: Clock;
  private _running = false;
  private _stopping = false;
  private _closed = false;
  private _debug: boolean;
  private _observer: LoopObserver | null = null;
  /** debug mode or an observer: iterations take the instrumented path */
  private _instrumented: boolean;
  private _exceptionHandler: ExceptionHandler | null = null;
  private _sleepResolve: (() => void) | null = null;
  private _sleepTimer: unknown = null;
  private readonly _onSleepTimer = (): void => {
    this._sleepTimer = null;
    this._wake();
  };
  private _promiseActivity = false;
  /** @internal promise-based work the loop is waiting on (async-function tasks, wrapped promises) */
  _promiseBridges = 0;
  /** @internal */ _threads: InboxOwner | null = null;
  private _blocking = false;
  /** @internal */ readonly _inboxBytes: number | undefined;
  /**
   * The last callback found to be a plain function: a one-entry cache for the callback check, whose
   * `constructor` lookup goes through Function.prototype's slow properties (~200 instructions, as
   * much as the rest of callSoon). Cleared when the loop sleeps or closes, so it holds on to no
   * callback for long. UNCHECKED (never a caller's) when empty: null, a bad callback, must be checked.
   */
  private _plainFn: Function = UNCHECKED;
  /** @internal per-loop state other modules keep (tasks, executors) */
  _extra: Record<string, unknown> = {};
  /** @internal load metrics, always on (stats.ts) */
  readonly _stats = new StatsRecorder(() => host.now());
  /** @internal the trace being recorded (trace.ts), else null */
  _tracer: Tracer | null = null;
  /**
   * Work that must not be lost when the core refuses a slot (`_soonAlways`: a done future's
   * callbacks, a task's next step, host I/O events): handles with no slot yet, in order. After each
   * tick (which frees the last batch's slots) as many as the core takes enter its ready ring.
   */
  private _overflow: Handle[] = [];

  constructor(opts: LoopOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`options must be an object, got ${describe(opts)}`);
    this.core = opts.core === undefined ? defaultCore : checkCoreKind(opts.core);
    this._clock = createClock(opts.clock === undefined ? 'monotonic' : opts.clock);
    this.clock = this._clock.kind;
    if (opts.debug !== undefined && typeof opts.debug !== 'boolean') throw new TypeError(`debug must be a boolean, got ${describe(opts.debug)}`);
    this._debug = opts.debug ?? host.env('WASMLOOP_DEBUG') === '1';
    this._instrumented = this._debug;
    const limits = { maximumMemory: opts.maximumMemory, maxEntries: opts.maxEntries };
    if (this.core === 'js') this._core = createJsCore(limits);
    else {
      try {
        this._core = createWasmCore(limits);
      } catch (e) {
        // a core nobody named falls back to its twin when the host refuses another WebAssembly
        // memory (Chromium: ~120 alive per process); a named one reports it (API.md §1.8)
        if (opts.core !== undefined || defaultNamed || !isMemoryRefused(e)) throw e;
        this._core = createJsCore(limits);
        this.core = 'js';
      }
    }
    if (opts.inboxBytes !== undefined) inboxWords(opts.inboxBytes); // checked now, used by port()
    this._inboxBytes = opts.inboxBytes;
  }

  // ---- time ---------------------------------------------------------------------------------

  /** The loop's clock, in seconds: monotonic, or virtual (API.md §2.5, §4). asyncio: `loop.time`. */
  time(): number {
    return this._clock.now();
  }

  /**
   * Smallest time step the clock shows, in seconds: a timer due within it of now is ready (API.md
   * §2.10). asyncio: `loop._clock_resolution`.
   */
  get clockResolution(): number {
    return this._clock.resolution;
  }

  /**
   * Moves a virtual clock forward by `seconds`, waking the loop (API.md §4.2). Throws RuntimeError on
   * a monotonic loop, TypeError for a non-number, RangeError for NaN, a negative or an infinite
   * number. No asyncio counterpart (its tests advance a mocked clock).
   */
  advance(seconds: number): void {
    this._clock.advance(seconds);
    this._wake();
  }

  // ---- scheduling ---------------------------------------------------------------------------

  /**
   * Runs `callback(...args)` at the next iteration, FIFO. A trailing Context argument is the context.
   * TypeError for a callback that is not a function (or is a coroutine); RuntimeError once closed;
   * RangeError when the core's memory is exhausted (API.md §2.1, §2.6, §9.1). asyncio:
   * `loop.call_soon`.
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  // @ts-expect-error TS2394: the implementation reads its arguments through `arguments`, not a rest array (one allocation less per call)
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: [...A, Context]): Handle;
  callSoon(callback: (...args: any[]) => unknown, a?: any, b?: any): Handle {
    this._checkClosed();
    if (callback !== this._plainFn) this._checkCallback(callback, 'callSoon');
    const n = arguments.length - 1; // no rest array: up to two arguments are read from a and b
    if (n === 0) return this._soon(callback, undefined, ARGS_NONE, null); // the commonest shape, with nothing to dispatch
    return n <= 2 ? this._call(SOON, callback, n, a, b) : this._callArgs(SOON, callback, Array.prototype.slice.call(arguments, 1));
  }

  /**
   * Like callSoon, and wakes the loop if it waits (see `port()` for other threads). Errors as
   * callSoon's (API.md §2.4). asyncio: `loop.call_soon_threadsafe`.
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: [...A, Context]): Handle;
  callSoonThreadsafe(callback: (...args: any[]) => unknown, ...args: unknown[]): Handle {
    this._checkClosed();
    if (callback !== this._plainFn) this._checkCallback(callback, 'callSoonThreadsafe');
    const h = this._callArgs(SOON, callback, args);
    this._notifyBlocked();
    return h;
  }

  /**
   * Runs `callback(...args)` `delay` seconds from now (a negative delay acts as 0). TypeError for a
   * delay that is not a number, RangeError for NaN (Infinity: never fires); otherwise errors as
   * callSoon's (API.md §2.2, §9.1). asyncio: `loop.call_later`.
   */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  // @ts-expect-error TS2394: the implementation reads its arguments through `arguments`, not a rest array (one allocation less per call)
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: [...A, Context]): TimerHandle;
  callLater(delay: number, callback: (...args: any[]) => unknown, a?: any, b?: any): TimerHandle {
    this._checkClosed();
    checkSeconds(delay, 'callLater', 'delay');
    if (callback !== this._plainFn) this._checkCallback(callback, 'callLater');
    const when = this._clock.now() + (delay > 0 ? delay : 0);
    const n = arguments.length - 2;
    return (n <= 2 ? this._call(when, callback, n, a, b) : this._callArgs(when, callback, Array.prototype.slice.call(arguments, 2))) as TimerHandle;
  }

  /**
   * Runs `callback(...args)` at loop time `when` or later. Errors as callLater's (API.md §2.3).
   * asyncio: `loop.call_at`.
   */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  // @ts-expect-error TS2394: the implementation reads its arguments through `arguments`, not a rest array (one allocation less per call)
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: [...A, Context]): TimerHandle;
  callAt(when: number, callback: (...args: any[]) => unknown, a?: any, b?: any): TimerHandle {
    this._checkClosed();
    checkSeconds(when, 'callAt', 'when');
    if (callback !== this._plainFn) this._checkCallback(callback, 'callAt');
    const n = arguments.length - 2;
    return (n <= 2 ? this._call(when, callback, n, a, b) : this._callArgs(when, callback, Array.prototype.slice.call(arguments, 2))) as TimerHandle;
  }

  /**
   * The one argument dispatch of callSoon, callLater and callAt, without a rest array: the `n`
   * (at most 2) arguments after the callback are `a` and `b`; a trailing Context is the context.
   * `when` is the timer's deadline, or SOON (NaN, which no deadline is: checkSeconds refuses it).
   */
  private _call(when: number, callback: (...args: any[]) => unknown, n: number, a: unknown, b: unknown): Handle {
    let arg: unknown = undefined;
    let kind = ARGS_NONE;
    let ctx: Context | null = null;
    if (n === 1) {
      if (isContext(a)) ctx = a;
      else {
        arg = a;
        kind = ARGS_ONE;
      }
    } else if (n === 2) {
      if (isContext(b)) {
        arg = a;
        kind = ARGS_ONE;
        ctx = b;
      } else {
        arg = [a, b];
        kind = ARGS_ARRAY;
      }
    }
    return when === when ? this._at(when, callback, arg, kind, ctx) : this._soon(callback, arg, kind, ctx);
  }

  /** `_call` for an argument list of any length (a trailing Context is the context). */
  private _callArgs(when: number, callback: (...args: any[]) => unknown, args: unknown[]): Handle {
    const ctx = args.length > 0 && isContext(args[args.length - 1]) ? (args.pop() as Context) : null;
    const kind = args.length <= 1 ? args.length : ARGS_ARRAY;
    const arg = kind === ARGS_ARRAY ? args : args[0];
    return when === when ? this._at(when, callback, arg, kind, ctx) : this._soon(callback, arg, kind, ctx);
  }

  /** A ready handle for `callback` with `arg` held as `kind` says (handles.ts), in `ctx` or a copy of the current context. */
  /** Throws unless `callback` is a plain callable (not a coroutine); remembers it when it is. */
  private _checkCallback(callback: unknown, method: string): void {
    checkCallable(callback, method);
    this._plainFn = callback as Function;
  }

  private _soon(callback: (...args: any[]) => unknown, arg: unknown, kind: number, ctx: Context | null): Handle {
    const vars = ctx ?? currentContext()._vars;
    const slot = this._put(callback, arg, ctx === null ? kind << ARGS_SHIFT : (kind << ARGS_SHIFT) | EXPLICIT_CONTEXT, vars);
    const h = new HandleClass(callback, arg, kind, this, vars, ctx !== null, slot, this._core.gen(slot));
    if (this._instrumented) this._keep(h, slot);
    return h;
  }

  /**
   * Takes a slot, fills the slot's entries (`flags` as handles.ts says; `ctx` a Context or context
   * vars) and appends it to the ready ring: a callSoon without its Handle. Throws (nothing
   * scheduled) when the core refuses a slot.
   */
  private _put(callback: (...args: any[]) => unknown, arg: unknown, flags: number, ctx: unknown): number {
    const core = this._core;
    const slot = core.alloc();
    const t = this._slots;
    const i = slot << 2;
    t[i] = callback; // in this order: at the table's end, each store appends
    t[i + 1] = arg;
    t[i + 2] = ctx;
    t[i + 3] = flags;
    core.pushReady(slot); // never throws for an allocated slot: only alloc grows the core
    if (--this._stats.countdown === 0) this._stats.sample(); // one in SAMPLE_EVERY is timed to its iteration
    if (this._sleepResolve !== null) this._wake();
    return slot;
  }

  /** An instrumented loop keeps the user's handle until it runs (debug mode: where it was made, too). */
  private _keep(h: Handle, slot: number): void {
    if (this._debug) h._sourceTraceback = new Error().stack ?? null;
    this._handles[slot] = h;
  }

  private _at(when: number, callback: (...args: any[]) => unknown, arg: unknown, kind: number, ctx: Context | null): TimerHandle {
    const core = this._core;
    const slot = core.alloc();
    const vars = ctx ?? currentContext()._vars;
    const t = this._slots;
    const i = slot << 2;
    t[i] = callback;
    t[i + 1] = arg;
    t[i + 2] = vars;
    t[i + 3] = (kind << ARGS_SHIFT) | (ctx !== null ? EXPLICIT_CONTEXT : 0) | TIMER_SLOT;
    this._whens[slot] = when;
    const h = new TimerHandleClass(when, callback, arg, kind, this, vars, ctx !== null, slot, core.gen(slot));
    if (this._instrumented) {
      this._keep(h, slot);
      if (this._tracer !== null) this._tracer.timer(h);
    }
    core.pushTimer(slot, when); // never throws for an allocated slot: only alloc grows the core
    if (this._sleepResolve !== null) this._wake();
    return h;
  }

  /** The handle a report, an observer or a trace is given for `slot`: the user's (instrumented loops), else an equal view. */
  private _handleOf(slot: number, cb: (...args: any[]) => unknown, arg: unknown, flags: number, ctx: unknown): Handle {
    const kept = this._handles[slot];
    if (kept !== undefined) return kept;
    const kind = (flags >>> ARGS_SHIFT) & 3;
    const explicit = (flags & EXPLICIT_CONTEXT) !== 0;
    const gen = this._core.gen(slot);
    if ((flags & TIMER_SLOT) !== 0) return new TimerHandle(this._whens[slot]!, cb, arg, kind, this, ctx as Context, explicit, slot, gen);
    return new Handle(cb, arg, kind, this, ctx as Context, explicit, slot, gen);
  }

  /**
   * @internal `callSoon` for work with no caller to refuse: it never fails for core memory. When
   * the core refuses a slot (or others already wait), the handle waits in `_overflow` and enters
   * the core as soon as a tick frees room; it can be cancelled meanwhile. `arg` is held as `kind`
   * says (handles.ts ARGS_*), in `ctx` or a copy of the current context. Used for done callbacks,
   * steps scheduled from a step, and what host events (I/O, signals, exits) hand to the loop.
   */
  _soonAlways(callback: (...args: any[]) => unknown, arg?: unknown, kind: number = ARGS_NONE, ctx: Context | null = null): void {
    this._checkClosed();
    if (this._overflow.length === 0) {
      try {
        // no Handle: nobody holds one for this work (an instrumented loop makes one, for its reports)
        if (this._instrumented) this._soon(callback, arg, kind, ctx);
        else if (ctx === null) this._put(callback, arg, kind << ARGS_SHIFT, currentContext()._vars);
        else this._put(callback, arg, (kind << ARGS_SHIFT) | EXPLICIT_CONTEXT, ctx);
        return;
      } catch (e) {
        if (!isMemoryExhausted(e)) throw e;
      }
    }
    const h = new Handle(callback, arg, kind, this, ctx ?? currentContext()._vars, ctx !== null, -1, 0);
    if (this._debug) h._sourceTraceback = new Error().stack ?? null;
    this._overflow.push(h);
    if (this._sleepResolve !== null) this._wake();
  }

  /** Moves waiting `_overflow` handles into the core's ready ring, in order, while it has room. */
  private _drainOverflow(): void {
    const q = this._overflow;
    const core = this._core;
    let i = 0;
    try {
      for (; i < q.length; i++) {
        const h = q[i]!;
        if (h.cancelled()) continue;
        const slot = core.alloc();
        h._slot = slot;
        h._gen = core.gen(slot);
        const t = this._slots;
        const j = slot << 2;
        t[j] = h._callback!;
        t[j + 1] = h._args;
        t[j + 2] = h._ctx;
        t[j + 3] = h._flags; // not cancelled: the flags word is the slot's
        if (this._instrumented) this._handles[slot] = h;
        core.pushReady(slot);
      }
    } catch (e) {
      if (!isMemoryExhausted(e)) throw e;
    }
    q.splice(0, i);
  }

  /** @internal */
  _cancelHandle(h: Handle): void {
    const slot = h._slot;
    // the slot is still this handle's while its generation is (a handle waiting in _overflow has none)
    if (slot < 0 || this._closed || this._slots[slot << 2] === undefined || this._core.gen(slot) !== h._gen) return;
    this._clear(slot);
    this._core.cancel(slot, h._gen);
  }

  /** Drops what the slot's tables hold (the callback ran or was cancelled). */
  private _clear(slot: number): void {
    const t = this._slots;
    const i = slot << 2;
    t[i] = undefined;
    t[i + 1] = undefined;
    t[i + 2] = undefined;
    if (slot < this._handles.length) this._handles[slot] = undefined;
  }

  // ---- running ------------------------------------------------------------------------------

  /**
   * Runs iterations until stop(); resolves after the iteration in which stop() was called (API.md
   * §3.1). Rejects with RuntimeError when the loop is closed, already running, or another loop runs in
   * this thread. asyncio: `loop.run_forever` (which blocks: see runForeverSync).
   */
  runForever(): Promise<void> {
    try {
      this._enter();
    } catch (e) {
      return Promise.reject(e);
    }
    return this._runAsync().finally(() => this._leave());
  }

  /**
   * Runs until `aw` (a Future, Task, coroutine or promise, wrapped with ensureFuture) is done; gives
   * its result or throws its exception (API.md §3.2). RuntimeError if the loop stops first ('Event
   * loop stopped before Future completed.') or cannot run; RangeError for a future of another loop;
   * TypeError for something not awaitable. asyncio: `loop.run_until_complete`.
   */
  runUntilComplete<T>(aw: PromiseLike<T> | Future<T> | Generator<unknown, T, any> | (() => unknown)): Promise<T> {
    let fut: Future<T>;
    let onDone: (f: Future<T>) => void;
    try {
      this._checkClosed();
      this._checkNotRunning();
      fut = this._ensureFuture(aw);
      onDone = (f) => {
        if (f.getLoop() === this) this.stop();
      };
      fut.addDoneCallback(onDone);
      this._enter();
    } catch (e) {
      return Promise.reject(e);
    }
    return this._runAsync()
      .finally(() => {
        this._leave();
        fut.removeDoneCallback(onDone);
      })
      .then(() => {
        if (!fut.done()) throw new RuntimeError('Event loop stopped before Future completed.');
        return fut.result();
      });
  }

  /**
   * runForever, blocking the calling thread between iterations with Atomics.wait until the next timer
   * or a cross-thread wake-up (API.md §3.3). Throws RuntimeError where the host forbids blocking (a
   * browser's main thread), or when nothing could ever wake it. asyncio: `loop.run_forever`.
   */
  runForeverSync(): void {
    this._checkClosed();
    this._checkNotRunning();
    this._checkCanBlock('runForeverSync');
    this._enter();
    try {
      this._runSync('runForeverSync');
    } finally {
      this._leave();
    }
  }

  /**
   * runUntilComplete, blocking the calling thread (API.md §3.3). Promises do not advance while it
   * blocks, so a promise or an async function is refused at the call site with a TypeError; generator
   * coroutines, futures, callbacks and timers run. asyncio: `loop.run_until_complete`.
   */
  runUntilCompleteSync<T>(aw: Future<T> | Generator<unknown, T, any> | PromiseLike<T>): T {
    this._checkClosed();
    this._checkNotRunning();
    // the argument's errors first, wherever the thread may block or not (another loop's Future is
    // a RangeError in a browser window too); a coroutine becomes a task only once blocking is allowed
    if (isPromiseWork(aw))
      throw new TypeError('runUntilCompleteSync() cannot wait for a promise or an async function: promises do not advance while it blocks the thread; use runUntilComplete(), or a generator coroutine');
    const given = aw instanceof Future ? this._ensureFuture<T>(aw) : null;
    this._checkCanBlock('runUntilCompleteSync');
    const fut = given ?? this._ensureFuture<T>(aw);
    const onDone = (f: Future<T>) => {
      if (f.getLoop() === this) this.stop();
    };
    fut.addDoneCallback(onDone);
    this._enter();
    try {
      this._runSync('runUntilCompleteSync');
    } finally {
      this._leave();
      fut.removeDoneCallback(onDone);
    }
    if (!fut.done()) throw new RuntimeError('Event loop stopped before Future completed.');
    return fut.result();
  }

  /**
   * The current iteration finishes, then the runner returns; before a run, the next runForever runs
   * exactly one iteration (API.md §3.4). asyncio: `loop.stop`.
   */
  stop(): void {
    this._stopping = true;
    this._wake();
    this._notifyBlocked();
  }

  /** Whether a runner is running this loop (API.md §3.5). asyncio: `loop.is_running`. */
  isRunning(): boolean {
    return this._running;
  }

  /** Whether close() was called (API.md §3.5). asyncio: `loop.is_closed`. */
  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Drops every pending callback and timer and frees the core's memory; idempotent. Throws
   * RuntimeError('Cannot close a running event loop') while running; afterwards scheduling throws
   * RuntimeError('Event loop is closed') (API.md §3.6). asyncio: `loop.close`.
   */
  close(): void {
    if (this._running) throw new RuntimeError('Cannot close a running event loop');
    if (this._closed) return;
    this._threads?.close(); // other threads' submissions are refused from now on
    shutdownDefaultExecutorOn(this, false).catch((e) => console.error('wasmloop: shutting the default executor down failed', e));
    this._closed = true;
    const onClose = this._extra.onClose as Array<() => void> | undefined;
    if (onClose) for (const fn of onClose.splice(0)) fn(); // host resources tied to the loop (signal handlers)
    this._plainFn = UNCHECKED;
    this._slots = [];
    this._whens = [];
    this._handles = [];
    this._overflow = [];
    this._core.close();
  }

  /**
   * Schedules a coroutine (generator, generator or async function, or promise) as a Task, through the
   * task factory if one is set (API.md §6.3). TypeError for something that is not a coroutine;
   * RuntimeError once closed. asyncio: `loop.create_task`.
   */
  createTask<T>(coro: Generator<unknown, T, any> | PromiseLike<T> | (() => unknown), opts: { name?: string; context?: Context } = {}): Task<T> {
    this._checkClosed();
    return createTaskOn(this, coro as CoroutineLike<T>, opts);
  }

  /**
   * Sets the factory createTask uses, `(loop, coro, opts) => Future` (null: the default Task);
   * TypeError for anything else. asyncio: `loop.set_task_factory`.
   */
  setTaskFactory(factory: ((loop: EventLoop, coro: any, opts: { name?: string; context?: Context }) => Future<unknown>) | null): void {
    if (factory !== null && !isCallable(factory)) throw new TypeError(`task factory must be a callable or null, got ${describe(factory)}`);
    this._extra.taskFactory = factory ?? undefined;
  }

  /** The factory set with setTaskFactory, or null. asyncio: `loop.get_task_factory`. */
  getTaskFactory(): unknown {
    return this._extra.taskFactory ?? null;
  }

  /** A new pending Future bound to this loop (API.md §6.3). asyncio: `loop.create_future`. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  // ---- threads (ports.ts, executor.ts) ----------------------------------------------------

  /**
   * A structured-cloneable descriptor of this loop's shared-memory inbox: `connect(port)` in another
   * thread gives a RemoteLoop that submits to this loop (API.md §8.1). TypeError where the host has no
   * SharedArrayBuffer; RuntimeError once closed. No asyncio counterpart (asyncio's threads share the
   * loop object).
   */
  port(): LoopPort {
    this._checkClosed();
    return portOf(this);
  }

  /**
   * Makes `fn` callable by name from other threads (`remote.callSoonThreadsafe(name, …)`,
   * `remote.runThreadsafe(name, …)`); `null` removes it (API.md §8.1). TypeError for a bad name or
   * function; RuntimeError once closed. No asyncio counterpart.
   */
  expose(name: string, fn: ((...args: any[]) => unknown) | null): void {
    this._checkClosed();
    exposeOn(this, name, fn);
  }

  /**
   * Runs `fn(...args)` in `executor` (null: the loop's default worker pool); a Future of its result. A
   * function is shipped to a worker by its source, so it must not close over variables; a string names
   * a function of the pool's module. TypeError for bad arguments; RuntimeError once closed. asyncio:
   * `loop.run_in_executor`.
   */
  runInExecutor<T = unknown>(executor: Executor | null | undefined, fn: ((...args: any[]) => T | PromiseLike<T>) | string, ...args: unknown[]): Future<Awaited<T>> {
    this._checkClosed();
    return runInExecutorOn(this, executor, fn, args) as Future<Awaited<T>>;
  }

  /**
   * Sets the executor runInExecutor(null, …) uses; TypeError for something that is not an Executor.
   * asyncio: `loop.set_default_executor`.
   */
  setDefaultExecutor(executor: Executor): void {
    this._checkClosed();
    setDefaultExecutorOn(this, executor);
  }

  /**
   * Shuts the default executor down, waiting for its running calls. asyncio:
   * `loop.shutdown_default_executor`.
   */
  shutdownDefaultExecutor(): Promise<void> {
    return shutdownDefaultExecutorOn(this, true);
  }

  // ---- host I/O (asyncio's loop I/O methods; a host module provides them, see io/host.ts) ----

  /**
   * Connects over TCP to `host`:`port`; gives `[transport, protocol]` once connected, and the protocol
   * gets the transport's events as loop callbacks. Fails with the matching OSError
   * (ConnectionRefusedError, GaiError, …); NotImplementedError without a host module (`import
   * 'wasmloop/node'`). asyncio: `loop.create_connection`.
   */
  createConnection<P extends ProtocolLike>(protocolFactory: () => P, host: string, port: number, opts: ConnectionOptions = {}): Future<[Transport, P]> {
    return hostIO('createConnection').createConnection(this, protocolFactory, host, port, opts);
  }

  /**
   * Listens on TCP (`host` null: every interface; a list: each of them); each connection gets a new
   * protocol. Gives the Server once it listens; OSError if it cannot; NotImplementedError without a
   * host module. asyncio: `loop.create_server`.
   */
  createServer(protocolFactory: () => ProtocolLike, host: string | string[] | null | undefined, port: number, opts: ServerOptions = {}): Future<Server> {
    return hostIO('createServer').createServer(this, protocolFactory, host, port, opts);
  }

  /**
   * Connects to the Unix socket at `path`; gives `[transport, protocol]`. OSError (FileNotFoundError,
   * ConnectionRefusedError) if it cannot; NotImplementedError without a host module. asyncio:
   * `loop.create_unix_connection`.
   */
  createUnixConnection<P extends ProtocolLike>(protocolFactory: () => P, path: string): Future<[Transport, P]> {
    return hostIO('createUnixConnection').createUnixConnection(this, protocolFactory, path);
  }

  /**
   * Listens on the Unix socket at `path`; each connection gets a new protocol. Gives the Server;
   * OSError if it cannot; NotImplementedError without a host module. asyncio:
   * `loop.create_unix_server`.
   */
  createUnixServer(protocolFactory: () => ProtocolLike, path: string, opts: UnixServerOptions = {}): Future<Server> {
    return hostIO('createUnixServer').createUnixServer(this, protocolFactory, path, opts);
  }

  /**
   * Runs `program` with `args` (no shell); gives `[transport, protocol]`, and the protocol gets the
   * pipes' data and the exit. FileNotFoundError if the program is missing; NotImplementedError without
   * a host module. asyncio: `loop.subprocess_exec`.
   */
  subprocessExec<P extends SubprocessProtocolLike>(protocolFactory: () => P, program: string, args: string[] = [], opts: SubprocessOptions = {}): Future<[SubprocessTransport, P]> {
    return hostIO('subprocessExec').subprocessExec(this, protocolFactory, program, args, opts);
  }

  /** Runs `cmd` through the system shell; otherwise as subprocessExec. asyncio: `loop.subprocess_shell`. */
  subprocessShell<P extends SubprocessProtocolLike>(protocolFactory: () => P, cmd: string, opts: SubprocessOptions = {}): Future<[SubprocessTransport, P]> {
    return hostIO('subprocessShell').subprocessShell(this, protocolFactory, cmd, opts);
  }

  /**
   * Runs `callback(...args)` as a loop callback whenever signal `sig` ('SIGINT' or its number)
   * arrives, replacing an earlier handler. TypeError/RangeError for a bad signal or callback,
   * RuntimeError for SIGKILL/SIGSTOP or outside the main thread; NotImplementedError without a host
   * module. asyncio: `loop.add_signal_handler`.
   */
  addSignalHandler(sig: string | number, callback: (...args: any[]) => unknown, ...args: unknown[]): void {
    hostIO('addSignalHandler').addSignalHandler(this, sig, callback, args);
  }

  /** Removes the handler of signal `sig`; true if there was one. asyncio: `loop.remove_signal_handler`. */
  removeSignalHandler(sig: string | number): boolean {
    return hostIO('removeSignalHandler').removeSignalHandler(this, sig);
  }

  /**
   * Resolves `host` and `port` as Python's `socket.getaddrinfo` does, as a Future of AddrInfo tuples;
   * GaiError when the name does not resolve. asyncio: `loop.getaddrinfo`.
   */
  getaddrinfo(host: string | null, port: number | string | null, opts: GetAddrInfoOptions = {}): Future<AddrInfo[]> {
    return hostIO('getaddrinfo').getaddrinfo(this, host, port, opts);
  }

  /**
   * Turns a socket address into `[host, service]`, as Python's `socket.getnameinfo` does (flags:
   * NI_NUMERICHOST, NI_NUMERICSERV). asyncio: `loop.getnameinfo`.
   */
  getnameinfo(sockaddr: [string, number] | [string, number, number, number], flags = 0): Future<[string, string]> {
    return hostIO('getnameinfo').getnameinfo(this, sockaddr, flags);
  }

  // Readiness-based calls a completion-based host cannot offer: each throws NotImplementedError saying why.
  /**
   * Readiness-based I/O (asyncio: `loop.add_reader`): a completion-based JavaScript host cannot offer
   * it, so it always throws NotImplementedError saying why and what to use instead (API.md §7.1).
   */
  addReader(..._args: unknown[]): never { throw reactorOnly('addReader'); }
  /** Always throws NotImplementedError, as addReader does (asyncio: `loop.remove_reader`). */
  removeReader(..._args: unknown[]): never { throw reactorOnly('removeReader'); }
  /** Always throws NotImplementedError, as addReader does (asyncio: `loop.add_writer`). */
  addWriter(..._args: unknown[]): never { throw reactorOnly('addWriter'); }
  /** Always throws NotImplementedError, as addReader does (asyncio: `loop.remove_writer`). */
  removeWriter(..._args: unknown[]): never { throw reactorOnly('removeWriter'); }
  /**
   * Raw-socket I/O on a selector: always throws NotImplementedError saying why; use transports or
   * streams (asyncio: `loop.sock_recv`).
   */
  sockRecv(..._args: unknown[]): never { throw reactorOnly('sockRecv'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_recv_into`). */
  sockRecvInto(..._args: unknown[]): never { throw reactorOnly('sockRecvInto'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_recvfrom`). */
  sockRecvfrom(..._args: unknown[]): never { throw reactorOnly('sockRecvfrom'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_sendall`). */
  sockSendall(..._args: unknown[]): never { throw reactorOnly('sockSendall'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_sendto`). */
  sockSendto(..._args: unknown[]): never { throw reactorOnly('sockSendto'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_connect`). */
  sockConnect(..._args: unknown[]): never { throw reactorOnly('sockConnect'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_accept`). */
  sockAccept(..._args: unknown[]): never { throw reactorOnly('sockAccept'); }
  /** Always throws NotImplementedError, as sockRecv does (asyncio: `loop.sock_sendfile`). */
  sockSendfile(..._args: unknown[]): never { throw reactorOnly('sockSendfile'); }

  // ---- errors and debug ---------------------------------------------------------------------

  /**
   * Sets the handler error reports go to (null: the default handler); TypeError for anything else
   * (API.md §5.1). asyncio: `loop.set_exception_handler`.
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && !isCallable(handler)) throw new TypeError(`A callable object or null is expected, got ${describe(handler)}`);
    this._exceptionHandler = handler;
  }

  /**
   * The handler set with setExceptionHandler, or null (API.md §5.1). asyncio:
   * `loop.get_exception_handler`.
   */
  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /**
   * Logs the report through console.error: the message, each other key, and the exception with its
   * stack (API.md §5.1). asyncio: `loop.default_exception_handler`.
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    // every value is the user's: read as data (no getters) and formatted by safeString (repr.ts)
    const message = peek(context, 'message');
    const lines = [message ? safeString(message) : 'Unhandled exception in event loop'];
    let keys: string[] = [];
    try {
      keys = Object.keys(context).sort();
    } catch {
      // a revoked Proxy as context
    }
    for (const key of keys) {
      if (key === 'message' || key === 'exception') continue;
      const value = peek(context, key);
      lines.push(`${key}: ${safeString(value)}`);
      const tb = isOwnObject(value) ? value._sourceTraceback : null;
      if (typeof tb === 'string') lines.push(`${key === 'handle' ? 'Handle' : 'Object'} created at (most recent call last):\n${tb.split('\n').slice(1).join('\n')}`);
    }
    const exception = peek(context, 'exception');
    if (exception !== undefined) console.error(lines.join('\n'), exception);
    else console.error(lines.join('\n'));
  }

  /**
   * Routes an error report to the handler set with setExceptionHandler, else the default one; a
   * handler that throws falls back to the default one. TypeError unless `context` is an object (API.md
   * §5.1). asyncio: `loop.call_exception_handler`.
   */
  callExceptionHandler(context: ExceptionContext): void {
    if (context === null || typeof context !== 'object') throw new TypeError(`callExceptionHandler() expects a context object, got ${describe(context)}`);
    if (this._exceptionHandler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (e) {
        quietly(() => console.error('Exception in default exception handler', e));
      }
      return;
    }
    try {
      this._exceptionHandler(this, context);
    } catch (exc) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: exc, context: context as never });
      } catch (e) {
        quietly(() => console.error('Exception in default exception handler while handling an unexpected error in custom exception handler', e));
      }
    }
  }

  /** Whether debug mode is on (API.md §5.2). asyncio: `loop.get_debug`. */
  getDebug(): boolean {
    return this._debug;
  }

  /**
   * Turns debug mode on or off: slow callbacks reported, handles remembering where they were made
   * (API.md §5.2). TypeError for a non-boolean. asyncio: `loop.set_debug`.
   */
  setDebug(enabled: boolean): void {
    if (typeof enabled !== 'boolean') throw new TypeError(`setDebug() expects a boolean, got ${describe(enabled)}`);
    this._debug = enabled;
    this._instrumented = enabled || this._observer !== null || this._tracer !== null;
  }

  /**
   * Sets the observer told about each iteration and callback (null removes it). TypeError for anything
   * else. No asyncio counterpart.
   */
  setObserver(observer: LoopObserver | null): void {
    if (observer !== null && (typeof observer !== 'object' || (typeof observer.iteration !== 'function' && typeof observer.callback !== 'function')))
      throw new TypeError(`an observer must be an object with an iteration() or callback() method, or null, got ${describe(observer)}`);
    this._observer = observer;
    this._instrumented = this._debug || observer !== null || this._tracer !== null;
  }

  /** The observer set with setObserver, or null. No asyncio counterpart. */
  getObserver(): LoopObserver | null {
    return this._observer;
  }

  /**
   * Load metrics since the loop was made or last reset (stats.ts); `{ reset: true }` resets them after
   * reading. No asyncio counterpart.
   */
  stats(opts?: { reset?: boolean }): LoopStats {
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new TypeError(`stats() options must be an object, got ${describe(opts)}`);
    const s = this._stats.snapshot();
    if (opts?.reset === true) this._stats.reset();
    return s;
  }

  /**
   * Starts recording a trace of the loop into a ring of `capacity` events (trace.ts). No asyncio
   * counterpart.
   */
  startTrace(opts: TraceOptions = {}): void {
    this._checkClosed();
    if (this._tracer !== null) throw new RuntimeError('startTrace(): a trace is already being recorded');
    this._startTracer(opts);
  }

  /** @internal Starts a trace, into a port's growable buffers for remote.trace() (`into`), else a ring of its own. */
  _startTracer(opts: TraceOptions, into?: TraceBuffers): Tracer {
    const tr = new Tracer(this, opts, into);
    this._tracer = tr;
    this._instrumented = true;
    return tr;
  }

  /**
   * Stops recording; the trace in Chrome's Trace Event Format (JSON object format), for Perfetto. No
   * asyncio counterpart.
   */
  stopTrace(): Trace {
    const tr = this._tracer;
    if (tr === null) throw new RuntimeError('stopTrace(): no trace is being recorded (startTrace() first)');
    return this._stopTracer().export();
  }

  /** @internal Ends the recording (the ring says so to its readers); the tracer. */
  _stopTracer(): Tracer {
    const tr = this._tracer!;
    this._tracer = null;
    this._instrumented = this._debug || this._observer !== null;
    tr.stop();
    return tr;
  }

  /**
   * The shared buffers the current trace records into (trace-ring.ts), for `readTrace()` in any
   * thread while this loop runs; null when no trace is being recorded.
   */
  traceBuffers(): TraceBuffers | null {
    return this._tracer === null ? null : this._tracer.ring.buffers;
  }

  /** Starts the load metrics afresh. No asyncio counterpart. */
  resetStats(): void {
    this._stats.reset();
  }

  /**
   * The loop's repr: `<wasmloop.EventLoop core=wasm clock=monotonic running=false closed=false
   * debug=false>` (API.md §5.3).
   */
  toString(): string {
    return `<wasmloop.EventLoop core=${this.core} clock=${this.clock} running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** @internal */
  _reportCallbackError(h: Handle, e: unknown): void {
    const where = h._sourceTraceback ? firstUserFrame(h._sourceTraceback) : null;
    const cb = h._callback ? formatCallback(h._callback, h._argList()) : h.toString();
    this.callExceptionHandler({ message: `Exception in callback ${cb}${where ? ` at ${where}` : ''}`, exception: e, handle: h });
  }

  /** @internal a loop awaitable settled a promise: its reactions must run before a virtual jump */
  _notePromiseActivity(): void {
    this._promiseActivity = true;
  }

  // ---- internals ----------------------------------------------------------------------------

  private _checkClosed(): void {
    if (this._closed) throw new RuntimeError('Event loop is closed');
  }

  private _checkNotRunning(): void {
    if (this._running) throw new RuntimeError('This event loop is already running');
  }

  /** A blocking runner with nothing left to run and nothing that could wake it: a deadlock, refused. */
  private _wouldBlockForever(method: string): RuntimeError {
    const why = this._promiseBridges > 0 ? 'what it waits for waits on a promise, and promises do not advance while the thread is blocked' : 'nothing is scheduled';
    return new RuntimeError(`${method}() would block this thread forever: ${why}, and no other thread holds the loop's port(); use the promise-based runner`);
  }

  private _checkCanBlock(method: string): void {
    if (!host.canBlock())
      throw new RuntimeError(`${method}() cannot block this thread: ${host.blockingRefusal()}; use the promise-based runner instead`);
  }

  private _enter(): void {
    this._checkClosed();
    this._checkNotRunning();
    enterRunning(this);
    this._running = true;
    this._stats.started();
  }

  private _leave(): void {
    this._plainFn = UNCHECKED; // a stopped loop holds on to no callback (nor what it closes over)
    this._running = false;
    this._stopping = false;
    this._stats.stopped();
    leaveRunning(this);
  }

  private _ensureFuture<T>(aw: unknown): Future<T> {
    if (aw instanceof Future) {
      (aw as { _bindLazy?(loop: EventLoop): void })._bindLazy?.(this); // an unbound sleep() is adopted by its runner
      // asyncio's ValueError; wasmloop maps ValueError to RangeError (API.md §9)
      if (aw.getLoop() !== this) throw new RangeError('The future belongs to a different loop than the one specified as the loop argument');
      return aw as Future<T>;
    }
    return ensureFutureOn(aw, this) as Future<T>;
  }

  // ---- the loop ------------------------------------------------------------------------------
  //
  // The loop is written once: an iteration (`_iterate`: `_tick`, then `_runBatch`) and the idle
  // policy (`_timeout`: how long the loop may wait before the next iteration). Two drivers run it,
  // as Trio's `run()` and guest mode drive one `unrolled_run`: `_runAsync` waits in the host
  // (`_sleep`, ended by `_wake`), `_runSync` in Atomics.wait (`_block`, ended by `_notifyBlocked`
  // or another thread's submission). Neither knows which clock it has (clock.ts).

  /**
   * Driver 1, the non-blocking runner (runForever, runUntilComplete). After every iteration it
   * awaits once, so pending promise reactions run (one `await` is the whole per-iteration cost of
   * sharing the thread); every HOST_TURN_MS it gives the host a macrotask instead; when the idle
   * policy says wait, it sleeps in the host.
   */
  private async _runAsync(): Promise<void> {
    let turnStart = host.now();
    let budget = TURN_CHECK; // callbacks and iterations until the next look at the clock
    for (;;) {
      // the callbacks' context, entered per iteration: between two, promise reactions run in theirs
      const prev = currentContext();
      const saved = enterCallbacks();
      let n: number;
      try {
        n = this._iterate();
      } finally {
        leaveCallbacks(prev, saved);
      }
      if (this._stopping) return;
      budget -= n + 1;
      if (budget <= 0 && host.now() - turnStart >= HOST_TURN_MS) {
        await host.yieldToHost(); // a macrotask: host I/O and timers get their turn
        takeAsyncWork(); // every microtask ran
        turnStart = host.now();
      } else {
        takeAsyncWork(); // what the batch itself queued runs in this first turn
        await RESOLVED; // pending promise reactions run (one microtask turn, like `await null`, minus a promise)
        // async-function tasks resumed by this iteration: each turn they run up to their next await
        // of a wasmloop awaitable, whose `then` the engine calls one turn later; let those calls
        // happen, so what they schedule runs in the next iteration, as it would in asyncio (a
        // chain of awaits of done futures, which asyncio runs without yielding, ends too)
        for (let hops = 0; takeAsyncWork() && hops < MAX_ASYNC_HOPS; hops++) await RESOLVED;
      }
      if (budget <= 0) budget = TURN_CHECK;
      let wait = this._timeout(n, true);
      if (wait === 0) continue;
      if (wait === SETTLE) {
        await host.yieldToHost(); // promise chains settle on a fresh macrotask, before time may jump
        turnStart = host.now();
        wait = this._timeout(n, false);
        if (wait === 0) continue;
      }
      await this._sleep(wait);
      turnStart = host.now();
    }
  }

  /**
   * Driver 2, the blocking runner (runForeverSync, runUntilCompleteSync). Nothing but callbacks
   * runs in this thread until it returns, so it enters the callbacks' context once.
   */
  private _runSync(method: string): void {
    const prev = currentContext();
    const saved = enterCallbacks();
    this._blocking = true;
    try {
      for (;;) {
        const n = this._iterate();
        if (this._stopping) return;
        const wait = this._timeout(n, false);
        if (wait !== 0) this._block(wait, method);
      }
    } finally {
      this._blocking = false;
      leaveCallbacks(prev, saved);
    }
  }

  /**
   * The idle policy, one for both drivers (libuv's `uv__backend_timeout`): after an iteration that
   * ran `n` callbacks, how long the loop may wait before the next one, in seconds. 0: at once (work
   * is ready, the loop stops, or work waiting for core memory gets the slots this batch frees; a
   * due timer; a virtual clock that jumped). Infinity: until woken. SETTLE, only to a driver that
   * can `settle` (promises advance while it waits): time would jump, but promise reactions may
   * still schedule work at the present time; let them run, then ask again with `settle` false.
   */
  private _timeout(n: number, settle: boolean): number {
    if (this._hasReady() || this._stopping || this._stalled(n)) return 0;
    const clock = this._clock;
    if (settle && clock.jumps && (this._promiseActivity || this._promiseBridges > 0)) {
      this._promiseActivity = false;
      return SETTLE;
    }
    return clock.timeout(this._core.nextDeadline());
  }

  /** One iteration: the scheduling step, then the batch's callbacks in order. Returns the batch length. */
  private _iterate(): number {
    const n = this._tick();
    if (n !== 0) this._runBatch(n, this._core.batchBase);
    return n;
  }

  /** An iteration's scheduling step: other threads' submissions in, then the core's tick. Returns the batch length. */
  private _tick(): number {
    const core = this._core;
    const threads = this._threads;
    const stats = this._stats;
    if (threads !== null && threads.pending()) threads.drain();
    if (stats.sampledAt >= 0) stats.sampleDone(); // a sampled callSoon's wait ends
    // the clock is read only when a timer may be due
    const timers = core.timerCount();
    const clock = this._clock;
    const now = timers > 0 ? clock.now() : 0;
    const ready = timers > 0 ? core.readyCount() : 0; // the batch's first `ready` entries come from the ring, the rest are timers
    const n = core.tick(now, clock.resolution);
    stats.iterations++;
    stats.dispatched += n;
    if (n > ready && timers > 0) this._timerFired(now, ready);
    if (threads !== null && threads.stalled) threads.drain(); // the tick freed the last batch's slots
    if (this._overflow.length !== 0) this._drainOverflow(); // so did it for work refused a slot
    return n;
  }

  /** The tick handed out timers after `ready` callbacks from the ring: how late the first one fired (stats). Out of `_tick`, which V8 inlines into the drivers within a budget counted in bytecode. */
  private _timerFired(now: number, ready: number): void {
    const core = this._core;
    this._stats.timerFired(now - this._whens[core.mem32[core.batchBase + ready]!]!);
  }

  /** Runs the batch the last tick handed out (`n` slots from `mem32[base]`), skipping cancelled handles. */
  private _runBatch(n: number, base: number): void {
    if (this._instrumented) return this._runBatchDebug(n, base);
    if (this._handles.length !== 0) this._handles = []; // kept while instrumented: no longer needed
    const core = this._core;
    const t = this._slots; // grows in place while callbacks schedule: the same array all batch
    for (let k = 0; k < n; k++) {
      const slot = core.mem32[base + k]!; // mem32 may be replaced by a growth during the batch
      const i = slot << 2;
      const cb = t[i] as ((...args: any[]) => unknown) | undefined;
      if (cb === undefined) {
        this._stats.skipped++; // cancelled
        continue;
      }
      t[i] = undefined;
      const arg = t[i + 1];
      if (arg !== undefined) t[i + 1] = undefined;
      const ctx = t[i + 2] as Context;
      t[i + 2] = undefined;
      const flags = t[i + 3] as number;
      try {
        invoke(cb, flags, arg, ctx);
      } catch (e) {
        this._reportCallbackError(this._handleOf(slot, cb, arg, flags, ctx), e);
      }
    }
  }

  /** The batch in debug mode, under an observer or while tracing: each callback timed. */
  private _runBatchDebug(n: number, base: number): void {
    const core = this._core;
    const obs = this._observer;
    const tr = this._tracer;
    if (obs === null && !this._debug) return this._runBatchTraced(n, base, tr!);
    obs?.iteration?.(this, this.time(), n);
    // one clock read per callback: each starts where the one before ended, unless an observer's
    // call came in between (its time is not the next callback's)
    let t1 = host.now();
    tr?.begin(n, t1);
    for (let i = 0; i < n; i++) {
      const slot = core.mem32[base + i]!;
      const j = slot << 2;
      const cb = this._slots[j] as ((...args: any[]) => unknown) | undefined;
      if (cb === undefined) {
        this._stats.skipped++;
        continue;
      }
      const arg = this._slots[j + 1];
      const flags = this._slots[j + 3] as number;
      const h = this._handleOf(slot, cb, arg, flags, this._slots[j + 2]);
      const when = (flags & TIMER_SLOT) !== 0 ? this._whens[slot]! : NaN;
      this._clear(slot);
      const t0 = obs === null ? t1 : host.now();
      h._run();
      t1 = host.now();
      obs?.callback?.(h, t0, t1);
      tr?.callback(cb, arg, slot, when, t0, t1);
      const dt = (t1 - t0) / 1000;
      if (dt >= this.slowCallbackDuration) this._stats.slowCallbacks++;
      if (this._debug && dt >= this.slowCallbackDuration) {
        const where = h._sourceTraceback ? firstUserFrame(h._sourceTraceback) : null;
        console.warn(`Executing ${formatHandle(h)} took ${dt.toFixed(3)} seconds${where ? ` (created at ${where})` : ''}`);
      }
    }
    tr?.end(t1);
  }

  /**
   * The batch while tracing, with no observer and no debug mode: the untraced batch plus the
   * trace's records. One clock read per callback (each starts where the one before ended) and one
   * per iteration; no Handle is made (the trace names the callback; only an error report needs
   * the user's handle, kept while instrumented, or a view of the slot).
   */
  private _runBatchTraced(n: number, base: number, tr: Tracer): void {
    const core = this._core;
    const t = this._slots; // grows in place while callbacks schedule: the same array all batch
    const handles = this._handles;
    let t1 = host.now();
    tr.begin(n, t1);
    for (let k = 0; k < n; k++) {
      const slot = core.mem32[base + k]!; // mem32 may be replaced by a growth during the batch
      const i = slot << 2;
      const cb = t[i] as ((...args: any[]) => unknown) | undefined;
      if (cb === undefined) {
        this._stats.skipped++;
        continue;
      }
      t[i] = undefined;
      const arg = t[i + 1];
      if (arg !== undefined) t[i + 1] = undefined;
      const ctx = t[i + 2] as Context;
      t[i + 2] = undefined;
      const flags = t[i + 3] as number;
      const when = (flags & TIMER_SLOT) !== 0 ? this._whens[slot]! : NaN;
      const kept = slot < handles.length ? handles[slot] : undefined;
      if (kept !== undefined) handles[slot] = undefined;
      const t0 = t1;
      try {
        invoke(cb, flags, arg, ctx);
      } catch (e) {
        this._reportCallbackError(kept ?? this._handleOf(slot, cb, arg, flags, ctx), e);
      }
      t1 = host.now();
      tr.callback(cb, arg, slot, when, t0, t1);
      if ((t1 - t0) / 1000 >= this.slowCallbackDuration) this._stats.slowCallbacks++;
    }
    tr.end(t1);
  }

  /** `_runAsync`'s wait: a promise that `_wake` resolves, at the latest after `seconds` (Infinity: no timer). */
  private _sleep(seconds: number): Promise<void> {
    this._plainFn = UNCHECKED;
    this._stats.slept();
    return new Promise<void>((resolve) => {
      this._sleepResolve = resolve;
      if (seconds !== Infinity) this._sleepTimer = host.setTimer(this._onSleepTimer, Math.min(Math.ceil(seconds * 1000), 0x7fffffff));
      this._threads?.arm();
    });
  }

  /** @internal ends a sleep in the host (a timer, local scheduling, or a submission from another thread) */
  _wake(): void {
    const r = this._sleepResolve;
    if (r === null) return;
    this._sleepResolve = null;
    this._stats.woke();
    if (this._sleepTimer !== null) {
      host.clearTimer(this._sleepTimer);
      this._sleepTimer = null;
    }
    this._threads?.disarm();
    r();
  }

  /**
   * @internal The wake word (core/inbox.ts C_WAKE): a fresh non-zero mark while the loop sleeps or
   * is about to; whoever adds work CASes the mark it read to 0 and notifies. Other threads' submissions do the same.
   */
  _cell(): WakeCell {
    return this._core.wakeCell();
  }

  /** Work waits for core memory (other threads' submissions, `_overflow`), and a batch of `n` just ran: the next tick frees its slots. */
  private _stalled(n: number): boolean {
    return n > 0 && (this._overflow.length !== 0 || (this._threads !== null && this._threads.stalled));
  }

  /**
   * Whether the next iteration has work without waiting: the ready ring (with what waited in
   * `_overflow` moved in, if the core has room now), or submissions from other threads (also
   * from this one, through a RemoteLoop), which a virtual clock must not jump past.
   */
  private _hasReady(): boolean {
    if (this._overflow.length !== 0) this._drainOverflow();
    return this._core.readyCount() > 0 || (this._threads !== null && this._threads.pending());
  }

  private _notifyBlocked(): void {
    if (!this._blocking) return;
    const { i32, index } = this._core.wakeCell();
    if (Atomics.load(i32, index) !== 0 && Atomics.exchange(i32, index, 0) !== 0) Atomics.notify(i32, index);
  }

  /**
   * `_runSync`'s wait: Atomics.wait on the wake word for `seconds` (Infinity: until woken), or until
   * a record stuck at the inbox's head must be looked at again.
   */
  private _block(seconds: number, method: string): void {
    const threads = this._threads;
    // nothing scheduled, and no other thread holds a port: no wake-up can ever come
    if (seconds === Infinity && threads === null) throw this._wouldBlockForever(method);
    const { i32, index } = this._cell();
    // announce the sleep, then look once more: a submission committed before the store is seen here
    this._plainFn = UNCHECKED; // the cache holds no callback while the loop sleeps
    const mark = sleepMark(); // a fresh non-zero mark per sleep (core/inbox.ts wakeOwner)
    Atomics.store(i32, index, mark);
    const ms = Math.min(seconds * 1000, threads === null ? Infinity : threads.due());
    if (!this._stopping && this._core.readyCount() === 0 && (threads === null || !threads.pending())) {
      const t0 = host.now();
      Atomics.wait(i32, index, mark, ms);
      this._stats.blocked(t0);
    }
    Atomics.store(i32, index, 0);
  }
}

/** A Handle or a Future (a Proxy whose trap throws is neither). */
function isOwnObject(v: unknown): v is Handle | Future<unknown> {
  try {
    return v instanceof Handle || v instanceof Future;
  } catch {
    return false;
  }
}

/**
 * A trailing Context argument. A guard, not a bare `instanceof`: the argument is the user's, and
 * asking a revoked Proxy (or one whose getPrototypeOf trap throws) for its prototype throws.
 */
function isContext(v: unknown): v is Context {
  try {
    return v instanceof Context;
  } catch {
    return false;
  }
}

/** Runs `fn`, swallowing what it throws: the last resort of error reporting (a console that cannot print a value). */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // nothing left to report it to
  }
}


