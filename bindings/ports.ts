/**
 * Loops and threads (API.md §8): a loop's port, the functions it exposes, and remote handles.
 *
 * The owner's side (`loop.port()`, `loop.expose()`): the core opens an inbox in shared memory
 * (core/inbox.ts; for the WASM core inside the core's own memory, drained by assembly/inbox.ts).
 * Once per iteration the loop checks it (an atomic load or two) and, when records wait, drains
 * them all in one step and schedules one callback that runs them in order.
 *
 * The other side (`connect(port)` → RemoteLoop): each submission is encoded with the structured-
 * clone codec (serialize.ts) into a reused buffer, then reserved (one CAS), copied and committed
 * into the ring; the record is the payload, so order and delivery need nothing beside the queue.
 * The owner is woken if it sleeps: Atomics.notify on the wake word (it waits there in
 * runForeverSync, or with Atomics.waitAsync in the host), or, where the owner's host lacks
 * waitAsync, a message on a BroadcastChannel named in the port.
 *
 * Results of runThreadsafe travel back by postMessage on a BroadcastChannel private to the
 * submitting RemoteLoop: the owner is running when it replies, and the submitter awaits a promise,
 * so a message (structured clone, exact) is the natural path back.
 */
import { Context } from './context.js';
import { CancelledError, NotImplementedError, QueueFull, RuntimeError, TimeoutError, describe, errorClasses } from './errors.js';
import { Future } from './futures.js';
import { isCallable } from './callables.js';
import { host } from './hosts/index.js';
import { CLOSED, COMMIT_LOST, C_HEAD, C_TAIL, C_WAITERS, commit, inboxTuning, inboxViews, inboxWords, recordWords, sleepMark, reserveWaiting, tryReserve, RESERVE_CLOSED, RESERVE_FULL, type InboxViews } from './core/inbox.js';
import type { CoreInbox, InboxRegion } from './core/types.js';
import type { EventLoop, InboxOwner } from './loop.js';
import { Reader, Writer, packError, unpackError, type PackedError } from './serialize.js';
import { ensureFutureOn, isGenerator, isThenable } from './tasks.js';
import { getRunning, threadToken } from './thread-state.js';
import { INSPECT, TRACE, builtin, type LoopInspection } from './inspect.js';
import { readTrace, type Trace, type TraceBuffers, type TraceOptions } from './trace.js';
import { portBuffers } from './trace-ring.js';

/** What `loop.port()` returns: plain data, structured-cloneable, for `connect()` in any thread. */
export interface LoopPort extends InboxRegion {
  /** Marks the object as a wasmloop port (format version 1). */
  readonly wasmloopPort: 1;
  /** The owning thread (a port used there must never block waiting for room). */
  readonly owner: string;
  /** The owner thread's name, for messages. */
  readonly thread: string;
  /** A BroadcastChannel name that wakes the owner, where its host lacks Atomics.waitAsync. */
  readonly wake: string | null;
  /** Growable buffers remote.trace() has the owner record into and reads (trace-ring.ts); null where the host cannot grow a SharedArrayBuffer. */
  readonly trace?: TraceBuffers | null;
}

/** Options of `connect(port, opts)`. */
export interface ConnectOptions {
  /**
   * Seconds a submission may wait for room in a full inbox before it throws TimeoutError (with
   * nothing submitted). Default Infinity. Every submission waits in a thread that may block; where
   * the thread may not, runThreadsafe waits (its promise rejects with TimeoutError) and
   * callSoonThreadsafe/stop throw QueueFull at once; see RemoteLoop.
   */
  timeout?: number;
}

const KIND_CALL = 1;
const KIND_RUN = 2;
const KIND_STOP = 3;
/** Set on a record's kind when a traced loop of the submitting thread made it: a flow id (f64) follows. */
const KIND_FLOW = 0x80;

const EMPTY_VARS = new Context()._vars;
const noop = (): void => {};

function checkName(name: unknown, method: string): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError(`${method}() needs the name of an exposed function (a non-empty string), got ${describe(name)}`);
}

let channelCounter = 0;
/** What the probe of a RemoteLoop's reply channel carries (call ids start at 1). */
const PROBE = 'wasmloop:reply-channel-open';

function channelName(kind: string): string {
  return `wasmloop-${kind}-${threadToken}-${++channelCounter}`;
}

function hasBroadcastChannel(): boolean {
  return typeof BroadcastChannel === 'function';
}


// ---- replies -------------------------------------------------------------------------------------

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: PackedError;
}


// ---- the owner's side ----------------------------------------------------------------------------

class LoopThreads implements InboxOwner {
  private inbox: CoreInbox | null = null;
  private bytes: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private readonly exposed = new Map<string, (...args: any[]) => unknown>();
  private readonly reader = new Reader(errorClasses);
  private readonly batchCtx = new Context();
  /** Words drained and not yet run (the batch callback runs them in this iteration). */
  private drained = 0;
  /** Drained words whose batch callback could not be scheduled: the core's memory was exhausted (see InboxOwner.stalled). */
  stalled = false;
  private readonly runBatch = (n: number): void => this.run(n);
  /** Reply channels by name, and the calls that still owe a reply (rejected at close). */
  private readonly channels = new Map<string, BroadcastChannel>();
  private readonly owed = new Map<Future<unknown>, { channel: string; id: number }>();
  private sleepGen = 0;
  private keepAlive: unknown = null;
  /** A timer that ends the sleep when a record stuck at the inbox's head is due to be given up. */
  private dueTimer: unknown = null;
  private wakeChannel: BroadcastChannel | null = null;
  private wakeName: string | null = null;
  /** The port's trace buffers (remote.trace), made with the first port. */
  private traceBufs: TraceBuffers | null | undefined = undefined;

  constructor(private readonly loop: EventLoop) {}

  open(): CoreInbox {
    if (this.inbox !== null) return this.inbox;
    const inbox = this.loop._core.openInbox(inboxWords(this.loop._inboxBytes));
    if (host.waitAsync === null && hasBroadcastChannel()) {
      // no Atomics.waitAsync here: producers wake a sleeping owner with a message
      this.wakeName = channelName('wake');
      this.wakeChannel = new BroadcastChannel(this.wakeName);
      this.wakeChannel.onmessage = () => this.loop._wake();
      host.refChannel(this.wakeChannel, false);
    }
    this.bytes = new Uint8Array(inbox.out.buffer);
    this.dv = new DataView(inbox.out.buffer);
    return (this.inbox = inbox);
  }

  port(): LoopPort {
    const r = this.open().region;
    if (this.traceBufs === undefined) this.traceBufs = portBuffers();
    return { wasmloopPort: 1, ctrlBuffer: r.ctrlBuffer, ctrl: r.ctrl, ringBuffer: r.ringBuffer, owner: threadToken, thread: host.threadName(), wake: this.wakeName, trace: this.traceBufs };
  }

  expose(name: string, fn: ((...args: any[]) => unknown) | null): void {
    checkName(name, 'expose');
    if (fn === null) {
      this.exposed.delete(name);
      return;
    }
    if (!isCallable(fn)) throw new TypeError(`expose() needs a function or null, got ${describe(fn)}`);
    this.exposed.set(name, fn);
  }

  pending(): boolean {
    return this.inbox !== null && this.drained === 0 && this.inbox.pending();
  }

  drain(): void {
    if (!this.stalled) {
      const n = this.inbox!.drain();
      if (n === 0) return;
      this.drained = n;
    }
    try {
      this.loop.callSoon(this.runBatch, this.drained, this.batchCtx);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      // core memory exhausted: the drained records stay put (the inbox holds the rest, so producers
      // wait for room) and the loop retries after each tick; said once, never dropped
      if (!this.stalled) {
        this.stalled = true;
        this.loop.callExceptionHandler({ message: 'Submissions from other threads wait until callbacks or timers free core memory', exception: e });
      }
      return;
    }
    this.stalled = false;
  }

  /**
   * Milliseconds the loop may sleep before it must look at its inbox again: when a record stuck at
   * its head is due to be given up (core/inbox.ts), and at least every abandonMs: a producer
   * killed between clearing the wake word and notifying leaves a sleeping owner no wake-up, which
   * the look finds (the word cleared, or a record waiting).
   */
  due(): number {
    if (this.inbox === null) return Infinity;
    return this.drained !== 0 ? inboxTuning.abandonMs : Math.min(this.inbox.check(), inboxTuning.abandonMs);
  }

  arm(): void {
    const inbox = this.inbox;
    if (inbox === null) return;
    const { i32, index } = this.loop._cell();
    const mark = sleepMark();
    Atomics.store(i32, index, mark);
    const due = this.pending() ? 0 : this.due();
    if (due === 0) {
      Atomics.store(i32, index, 0);
      this.loop._wake();
      return;
    }
    const gen = ++this.sleepGen;
    this.watch(gen, due);
    // another thread may wake us at any time, so the host must not end this thread meanwhile
    // (Node ends a thread with nothing but a pending waitAsync or an unref'd channel)
    this.keepAlive ??= host.setTimer(noop, 0x7fffffff);
    if (host.waitAsync !== null) {
      void host.waitAsync(i32, index, mark).then(() => {
        if (gen === this.sleepGen) this.loop._wake();
      });
    }
  }

  /** While the loop sleeps (generation `gen`): after `ms`, looks at the inbox (see due) and wakes the loop if it must, else looks again later. */
  private watch(gen: number, ms: number): void {
    this.dueTimer = host.setTimer(() => {
      this.dueTimer = null;
      if (gen !== this.sleepGen) return;
      const { i32, index } = this.loop._cell();
      const due = Atomics.load(i32, index) === 0 || this.pending() ? 0 : this.due();
      if (due === 0) this.loop._wake();
      else this.watch(gen, due);
    }, Math.ceil(ms));
  }

  disarm(): void {
    if (this.inbox === null) return;
    this.sleepGen++;
    if (this.dueTimer !== null) {
      host.clearTimer(this.dueTimer);
      this.dueTimer = null;
    }
    if (this.keepAlive !== null) {
      host.clearTimer(this.keepAlive);
      this.keepAlive = null;
    }
    const { i32, index } = this.loop._cell();
    // release our own pending waitAsync (its callback sees a stale generation)
    if (Atomics.load(i32, index) !== 0 && Atomics.exchange(i32, index, 0) !== 0) Atomics.notify(i32, index);
  }

  /** The batch callback: runs the drained records in order. */
  private run(n: number): void {
    this.drained = 0;
    this.forEachRecord(n, (kind, r) => this.dispatch(kind, r));
  }

  private forEachRecord(n: number, each: (kind: number, r: Reader) => void): void {
    const inbox = this.inbox!;
    const out = inbox.out;
    const { bytes, dv } = this;
    const r = this.reader;
    for (let w = inbox.outBase, end = inbox.outBase + n; w < end; w += out[w]!) {
      r.reset(bytes, dv, (w + 2) * 4);
      try {
        let kind = r.u8();
        if ((kind & KIND_FLOW) !== 0) {
          kind &= ~KIND_FLOW;
          const flow = r.f64();
          this.loop._tracer?.flowIn(flow);
        }
        each(kind, r);
      } catch (e) {
        this.loop.callExceptionHandler({ message: 'Exception while running a submission from another thread', exception: e });
      }
    }
  }

  private dispatch(kind: number, r: Reader): void {
    if (kind === KIND_STOP) return this.loop.stop();
    let id = 0;
    let channel = '';
    if (kind === KIND_RUN) {
      id = r.u32();
      channel = r.str();
    }
    const name = r.name();
    const argc = r.u32();
    const args = new Array<unknown>(argc);
    for (let i = 0; i < argc; i++) args[i] = r.value();
    const fn = this.exposed.get(name) ?? builtin(this.loop, name, this.traceBufs ?? null); // wasmloop.inspect, wasmloop.trace
    this.batchCtx._vars = EMPTY_VARS; // each submission starts in an empty context
    if (kind === KIND_CALL) {
      if (fn === undefined) {
        this.loop.callExceptionHandler({ message: `callSoonThreadsafe from another thread: no function named '${name}' is exposed on this loop` });
        return;
      }
      try {
        fn(...args);
      } catch (e) {
        this.loop.callExceptionHandler({ message: `Exception in callback ${name}() submitted from another thread`, exception: e });
      }
      return;
    }
    if (fn === undefined) return this.reply(channel, id, false, new RuntimeError(`runThreadsafe: no function named '${name}' is exposed on this loop`));
    let result: unknown;
    try {
      result = fn(...args);
    } catch (e) {
      return this.reply(channel, id, false, e);
    }
    if (!(result instanceof Future) && !isGenerator(result) && !isThenable(result)) return this.reply(channel, id, true, result);
    // like run_coroutine_threadsafe: the outcome of the coroutine, task, future or promise
    let fut: Future<unknown>;
    try {
      fut = ensureFutureOn(result, this.loop);
    } catch (e) {
      return this.reply(channel, id, false, e);
    }
    this.owed.set(fut, { channel, id });
    fut.addDoneCallback((f) => {
      if (!this.owed.delete(f)) return;
      if (f.cancelled()) return this.reply(channel, id, false, new CancelledError(`${name}() was cancelled in its loop`));
      const exc = f.exception();
      if (f._hasException) this.reply(channel, id, false, exc); // (not exc !== null: JavaScript can throw null)
      else this.reply(channel, id, true, f.result());
    });
  }

  private reply(channel: string, id: number, ok: boolean, value: unknown): void {
    let bc = this.channels.get(channel);
    if (bc === undefined) {
      bc = new BroadcastChannel(channel);
      host.refChannel(bc, false);
      this.channels.set(channel, bc);
    }
    try {
      bc.postMessage(ok ? ({ id, ok, value } satisfies Reply) : ({ id, ok, error: packError(value) } satisfies Reply));
    } catch (e) {
      // the result could not be cloned: the caller learns why
      bc.postMessage({ id, ok: false, error: packError(new TypeError(`the result could not be sent back to the calling thread: ${(e as Error)?.message ?? String(e)}`)) } satisfies Reply);
    }
  }

  /**
   * Closes the inbox (no submission is accepted from now on; submitters get RuntimeError), then
   * consumes what was accepted before: runThreadsafe calls are answered RuntimeError, as are
   * calls still running; callSoonThreadsafe ones are dropped with the loop's other callbacks.
   */
  close(): void {
    const inbox = this.inbox;
    if (inbox !== null) {
      const closedMsg = new RuntimeError('Event loop is closed');
      const refuse = (kind: number, r: Reader): void => {
        if (kind !== KIND_RUN) return;
        const id = r.u32();
        this.reply(r.str(), id, false, closedMsg);
      };
      // drained records that never ran (a batch stalled for core memory) are answered first: the drains below reuse their area
      if (this.drained !== 0) this.forEachRecord(this.drained, refuse);
      this.drained = 0;
      this.stalled = false;
      // the rest, without waiting: a record not committed yet is given up (its producer, alive or
      // killed mid-submission, is refused as the loop is closed)
      inbox.closeAndDrain((n) => this.forEachRecord(n, refuse));
    }
    for (const [, { channel, id }] of this.owed) this.reply(channel, id, false, new RuntimeError('Event loop is closed before the call completed'));
    this.owed.clear();
    // posted messages are delivered after close(): closing only stops this side from sending more
    for (const bc of this.channels.values()) bc.close();
    this.channels.clear();
    this.wakeChannel?.close();
    this.wakeChannel = null;
    this.exposed.clear();
    this.disarm();
  }
}

function threadsOf(loop: EventLoop): LoopThreads {
  let t = loop._threads as LoopThreads | null;
  if (t === null) loop._threads = t = new LoopThreads(loop);
  return t;
}

/** @internal loop.port() */
export const portOf = (loop: EventLoop): LoopPort => threadsOf(loop).port();
/** @internal loop.expose() */
export const exposeOn = (loop: EventLoop, name: string, fn: ((...args: any[]) => unknown) | null): void => threadsOf(loop).expose(name, fn);

// ---- the other side ------------------------------------------------------------------------------

function checkPort(port: unknown): asserts port is LoopPort {
  const p = port as LoopPort | null;
  if (p === null || typeof p !== 'object' || p.wasmloopPort !== 1 || typeof p.ctrl !== 'number' || typeof p.owner !== 'string')
    throw new TypeError(`connect() needs what loop.port() returned, got ${describe(port)}`);
}

interface Waiting {
  bytes: Uint8Array;
  reject: (e: unknown) => void;
  /** host.now() after which it gives up waiting for room (TimeoutError, nothing submitted). */
  deadline: number;
}

/**
 * A handle on a loop in another thread (or this one). Submissions keep their order per RemoteLoop
 * and are never dropped: each is accepted, or throws at the call site with nothing submitted.
 *
 * When the inbox is full, a thread that may block (a worker, Node's main thread) waits in
 * Atomics.wait for room, up to `timeout` (then TimeoutError). A thread that may not (a browser's
 * main thread), or the owner's own thread (waiting there would never end): runThreadsafe waits
 * for room asynchronously, up to `timeout` too (then its promise rejects with TimeoutError), and
 * callSoonThreadsafe/stop throw QueueFull while the inbox is full or earlier runThreadsafe calls
 * from this handle still wait for room.
 * No asyncio counterpart (API.md §8.1).
 */
export class RemoteLoop {
  private readonly v: InboxViews;
  private readonly w: Writer;
  /** Whether an encoding is under way (a getter of an argument may submit through this handle: refused). */
  private encoding = false;
  private readonly seen = { head: 0 };
  private readonly timeoutMs: number;
  private readonly mayBlock: boolean;
  private readonly port: LoopPort;
  private replies: BroadcastChannel | null = null;
  private readonly replyName: string;
  /** Whether the reply channel is known to receive (see the constructor); calls wait in the backlog until it is. */
  private replyReady: boolean;
  private probe: BroadcastChannel | null = null;
  private readonly calls = new Map<number, { resolve: (v: any) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  private readonly backlog: Waiting[] = [];
  private wakeChannel: BroadcastChannel | null = null;

  constructor(port: LoopPort, opts: ConnectOptions = {}) {
    checkPort(port);
    if (opts === null || typeof opts !== 'object') throw new TypeError(`connect() options must be an object, got ${describe(opts)}`);
    const timeout = opts.timeout ?? Infinity;
    if (typeof timeout !== 'number' || timeout !== timeout || timeout < 0) throw new TypeError(`connect() timeout must be a non-negative number of seconds, got ${describe(timeout)}`);
    this.port = port;
    this.signal = port.wake === null ? undefined : () => this.wakeByMessage();
    this.v = inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
    // a submission may take the ring's size less its header and length words; the encoding stops past it
    const max = (this.v.mask + 1) * 4 - 8;
    this.w = new Writer(max, () => new RangeError(`a submission of more than ${max} bytes does not fit the loop's inbox of ${max} bytes (newEventLoop({ inboxBytes }) makes it larger)`));
    this.timeoutMs = timeout * 1000;
    this.mayBlock = port.owner !== threadToken && host.canBlock();
    this.replyName = channelName('reply');
    // the reply channel opens now, and where channels open late (a browser registers one with its
    // browser process asynchronously) runThreadsafe submits nothing before it is known open: an
    // owner that answers at once could otherwise post its reply before anyone listens, and the
    // call would never settle. A probe on the same name proves it: once the channel hears the
    // probe, it hears whatever is posted later, the reply included.
    // (on the owner's own thread the reply is posted through the same registration queue as the
    // channel opened before it: it cannot overtake)
    this.replyReady = !host.channelsOpenLate || port.owner === threadToken;
    if (hasBroadcastChannel()) {
      this.openReplies();
      if (!this.replyReady) {
        const probe = new BroadcastChannel(this.replyName);
        probe.postMessage({ id: 0, ok: true, value: PROBE } satisfies Reply);
        this.probe = probe;
      }
    }
  }

  /** Runs the exposed function `name(...args)` in the owner's loop, soon; errors go to that loop's exception handler. */
  callSoonThreadsafe(name: string, ...args: unknown[]): void {
    checkName(name, 'callSoonThreadsafe');
    const w = this.encode(KIND_CALL, name, args, 0);
    this.submitNow(w.bytes, w.pos);
  }

  /**
   * Runs the exposed function `name(...args)` in the owner's loop; a promise of its result, or its
   * error (a returned coroutine, Future or promise is awaited there first, like asyncio's
   * run_coroutine_threadsafe). Arguments and result must be structured-cloneable.
   */
  runThreadsafe<T = unknown>(name: string, ...args: unknown[]): Promise<T> {
    checkName(name, 'runThreadsafe');
    if (!hasBroadcastChannel()) return Promise.reject(new NotImplementedError('runThreadsafe() needs BroadcastChannel, which this host lacks'));
    const id = this.nextId++;
    let w: Writer;
    try {
      w = this.encode(KIND_RUN, name, args, id);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<T>((resolve, reject) => {
      this.listen();
      this.calls.set(id, { resolve, reject });
      const fail = (e: unknown) => {
        this.calls.delete(id);
        this.quiet();
        reject(e);
      };
      try {
        if (this.replyReady) {
          if (this.backlog.length === 0 && this.tryCommit(w.bytes, w.pos)) return;
          if (this.mayBlock) return this.waitAndCommit(w.bytes, w.pos);
        }
        this.backlog.push({ bytes: w.bytes.slice(0, w.pos), reject: fail, deadline: host.now() + this.timeoutMs });
        if (this.replyReady && this.backlog.length === 1) this.flushLater();
      } catch (e) {
        fail(e);
      }
    });
  }

  /**
   * The owner's pending tasks (each with its call graph) and its stats, read by a callback run in
   * its loop between two others: the loop is not stopped (inspect.ts).
   */
  inspect(): Promise<LoopInspection> {
    return this.runThreadsafe<LoopInspection>(INSPECT);
  }

  /**
   * A trace of the owner's loop over its next `seconds` (its own clock), recorded without stopping
   * it into its shared trace ring, which this thread then reads and converts (readTrace).
   */
  async trace(seconds: number, opts: TraceOptions = {}): Promise<Trace> {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`trace() options must be an object, got ${describe(opts)}`);
    const into = this.port.trace ?? null;
    // recorded into the port's buffers (null comes back), or, where they could not be made, the trace itself
    const trace = await this.runThreadsafe<Trace | null>(TRACE, seconds, opts.capacity ?? null, into !== null);
    if (trace !== null) return trace;
    return readTrace(into!);
  }

  /** Stops the owner's loop (its `stop()`, run in its thread); wakes it wherever it sleeps. */
  stop(): void {
    if (this.encoding) throw reentered();
    const w = this.w;
    w.reset();
    w.u8(KIND_STOP);
    this.submitNow(w.bytes, w.pos);
  }

  /** Whether the owner's loop is closed (it accepts nothing any more). */
  isClosed(): boolean {
    return (Atomics.load(this.v.c, this.v.ctrl + C_TAIL) & CLOSED) !== 0;
  }

  /** `<wasmloop.RemoteLoop thread=… closed=…>`. */
  toString(): string {
    return `<wasmloop.RemoteLoop thread=${this.port.thread} closed=${this.isClosed()}>`;
  }

  // ---- internals -----------------------------------------------------------------------------

  /**
   * Encodes a submission into the reused buffer. Arguments' getters run here (user code): one
   * that submits through this handle is refused (it would overwrite the buffer being written),
   * and a failed encoding gives back the buffer it grew.
   */
  private encode(kind: number, name: string, args: unknown[], id: number): Writer {
    if (this.encoding) throw reentered();
    const w = this.w;
    w.reset();
    this.encoding = true;
    try {
      // made by a callback of a traced loop: the flow to the owner starts here
      const tr = (getRunning() as EventLoop | null)?._tracer;
      const flow = tr ? tr.flowOut() : 0;
      w.u8(flow > 0 ? kind | KIND_FLOW : kind);
      if (flow > 0) w.f64(flow);
      if (kind === KIND_RUN) {
        w.u32(id);
        w.str(this.replyName);
      }
      w.str(name);
      w.u32(args.length);
      for (let i = 0; i < args.length; i++) w.value(args[i]);
    } catch (e) {
      w.shrink();
      throw e;
    } finally {
      this.encoding = false;
    }
    return w;
  }

  /** Submits now, waiting for room only where this thread may block; else throws. */
  private submitNow(bytes: Uint8Array, len: number): void {
    if (this.backlog.length === 0 && this.tryCommit(bytes, len)) return;
    if (this.mayBlock && this.backlog.length === 0) return this.waitAndCommit(bytes, len);
    throw new QueueFull(
      this.backlog.length > 0
        ? this.replyReady
          ? "the loop's inbox is full: earlier runThreadsafe() calls from this handle still wait for room"
          : "earlier runThreadsafe() calls from this handle still wait for room or for its reply channel to open (a browser opens it asynchronously, just after connect()): nothing was submitted; retry from a later task"
        : `the loop's inbox is full (${(this.v.mask + 1) * 4} bytes) and this thread ${this.port.owner === threadToken ? 'runs the loop' : 'may not block'}: nothing was submitted; retry later, or use runThreadsafe(), which waits for room`,
    );
  }

  /** One attempt: true when committed, false when full; throws when the loop is closed. */
  private tryCommit(bytes: Uint8Array, len: number): boolean {
    const n = recordWords(len);
    for (;;) {
      const pos = tryReserve(this.v, n, this.seen);
      if (pos === RESERVE_FULL) return false;
      if (pos === RESERVE_CLOSED) throw new RuntimeError('Event loop is closed');
      if (this.publish(pos, n, bytes, len)) return true;
    }
  }

  private waitAndCommit(bytes: Uint8Array, len: number): void {
    const n = recordWords(len);
    const deadline = host.now() + this.timeoutMs;
    for (;;) {
      const pos = reserveWaiting(this.v, n, this.seen, deadline, () => host.now(), this.signal);
      if (pos === RESERVE_CLOSED) throw new RuntimeError('Event loop is closed');
      if (pos === RESERVE_FULL) throw this.timedOut();
      if (this.publish(pos, n, bytes, len)) return;
    }
  }

  /** Copies and commits a claimed record; false when the owner gave it up first (this thread stalled past its bound): the caller submits it again. */
  private publish(pos: number, n: number, bytes: Uint8Array, len: number): boolean {
    return commit(this.v, pos, n, bytes, len, this.signal) !== COMMIT_LOST;
  }

  /** Where the owner sleeps on a message (its host lacks Atomics.waitAsync): sends it (see wakeOwner). */
  private readonly signal: (() => void) | undefined;

  /**
   * Moves backlogged runThreadsafe calls into the inbox as room appears (never blocking): on
   * another thread it waits with Atomics.waitAsync on the head (counted among the waiters, as
   * reserveWaiting does), on the owner's own thread it polls (the owner frees room only when its
   * loop runs, in this thread). A call still waiting at its deadline is rejected with
   * TimeoutError, nothing submitted, and the ones behind it go on waiting.
   */
  private flushLater(): void {
    const again = (): void => {
      try {
        while (this.backlog.length > 0) {
          const head = this.backlog[0]!;
          if (this.tryCommit(head.bytes, head.bytes.length)) this.backlog.shift();
          else if (host.now() >= head.deadline) {
            this.backlog.shift();
            head.reject(this.timedOut());
          } else break;
        }
      } catch (e) {
        // closed: every waiting call learns it
        for (const item of this.backlog.splice(0)) item.reject(e);
        return;
      }
      if (this.backlog.length === 0) return;
      const left = this.backlog[0]!.deadline - host.now();
      const { c, ctrl } = this.v;
      if (host.waitAsync !== null && this.port.owner !== threadToken) {
        Atomics.add(c, ctrl + C_WAITERS, 1);
        void host.waitAsync(c, ctrl + C_HEAD, this.seen.head, left === Infinity ? undefined : left).then(() => {
          Atomics.sub(c, ctrl + C_WAITERS, 1);
          again();
        });
      } else host.setTimer(again, 1);
    };
    // first retry on a fresh macrotask (never a zero-delay setTimeout, clamped to 4 ms when nested)
    void host.yieldToHost().then(again);
  }

  private timedOut(): TimeoutError {
    return new TimeoutError(`the loop's inbox stayed full for ${this.timeoutMs / 1000} s: nothing was submitted (connect(port, { timeout }) sets the wait)`);
  }

  private wakeByMessage(): void {
    (this.wakeChannel ??= new BroadcastChannel(this.port.wake!)).postMessage(0);
  }

  private openReplies(): BroadcastChannel {
    const bc = (this.replies = new BroadcastChannel(this.replyName));
    bc.onmessage = (ev: MessageEvent<Reply>) => this.settle(ev.data);
    host.refChannel(bc, false); // it keeps the thread alive only while a call waits (listen)
    return bc;
  }

  private listen(): void {
    const bc = this.replies ?? this.openReplies();
    if (this.calls.size === 0) host.refChannel(bc, true);
  }

  /** No call is waiting for a reply: the channel no longer keeps the thread alive. */
  private quiet(): void {
    if (this.calls.size === 0 && this.replies !== null) host.refChannel(this.replies, false);
  }

  private settle(m: Reply): void {
    if (m.id === 0 && m.value === PROBE) {
      // the reply channel is open: the calls that waited for it go in, in order
      this.probe?.close();
      this.probe = null;
      if (!this.replyReady) {
        this.replyReady = true;
        if (this.backlog.length > 0) this.flushLater();
      }
      return;
    }
    const call = this.calls.get(m.id);
    if (call === undefined) return;
    this.calls.delete(m.id);
    this.quiet();
    if (m.ok) call.resolve(m.value);
    else call.reject(unpackError(m.error!));
  }
}

function reentered(): RuntimeError {
  return new RuntimeError('a submission through this RemoteLoop was made while it was encoding the arguments of another (from a getter or a toString of an argument): refused, nothing submitted');
}

/**
 * A RemoteLoop for a port that `loop.port()` made in any thread (this one included). No asyncio
 * counterpart (API.md §8.1).
 */
export function connect(port: LoopPort, opts?: ConnectOptions): RemoteLoop {
  return new RemoteLoop(port, opts);
}

