/**
 * A look at a loop from another thread — `remote.inspect()` and `remote.trace(seconds)` of a
 * RemoteLoop (ports.ts): built-in functions every loop with a port answers, like exposed ones.
 * They run as a callback of that loop, between two of its callbacks: the loop is not stopped.
 * A trace is recorded into the loop's shared trace ring (trace-ring.ts) and read and converted by
 * the asking thread (readTrace), not by the traced loop: the loop only records.
 */
import { RuntimeError, describe } from './errors.js';
import type { Future } from './futures.js';
import { host } from './hosts/index.js';
import type { EventLoop } from './loop.js';
import type { LoopStats } from './stats.js';
import { allTasksOf } from './tasks.js';
import { taskGraphText, waitedOn } from './toolkit/graph.js';
import type { Trace, TraceBuffers } from './trace.js';

/** One pending task of an inspected loop. */
export interface TaskInfo {
  /** The task's name. */
  name: string;
  /** its coroutine, as its repr shows it (`main()`, `generator`, `promise`) */
  coro: string;
  /** Pending, or cancelling (a cancellation was requested and not yet honoured). */
  state: 'pending' | 'cancelling';
  /** the Future it is suspended on (its repr), when known */
  waitingOn: string | null;
  /** formatCallGraph(task): the task, and who awaits it */
  callGraph: string;
}

/**
 * What `remote.inspect()` gives: a look at a loop from its port (its thread, clock, pending tasks and
 * load). No asyncio counterpart.
 */
export interface LoopInspection {
  /** The name of the loop's thread. */
  thread: string;
  /** The loop's core: 'wasm' or 'js'. */
  core: string;
  /** The loop's clock: 'monotonic' or 'virtual'. */
  clock: string;
  /** the loop's time when it answered */
  time: number;
  /** Its pending tasks. */
  tasks: TaskInfo[];
  /** Its load metrics (as `loop.stats()`). */
  stats: LoopStats;
}

export const INSPECT = 'wasmloop.inspect';
export const TRACE = 'wasmloop.trace';

export function inspectLoop(loop: EventLoop): LoopInspection {
  const tasks: TaskInfo[] = [];
  for (const t of allTasksOf(loop)) {
    const w = waitedOn(t);
    tasks.push({ name: t.getName(), coro: t._coroRepr, state: t.cancelling() > 0 ? 'cancelling' : 'pending', waitingOn: w === null ? null : String(w), callGraph: taskGraphText(t) });
  }
  return { thread: host.threadName(), core: loop.core, clock: loop.clock, time: loop.time(), tasks, stats: loop.stats() };
}

/**
 * Traces `loop` for `seconds` of its time. With `into` (its port's growable buffers) it records
 * there and resolves to null once the seconds passed: the asker reads the ring through its port.
 * Without (a host with no growable SharedArrayBuffer) it resolves to the trace itself.
 */
export function traceLoop(loop: EventLoop, seconds: unknown, capacity: unknown, into: TraceBuffers | null): Future<Trace | null> {
  if (typeof seconds !== 'number' || !(seconds >= 0) || seconds === Infinity) throw new RangeError(`trace() needs a finite number of seconds ≥ 0, got ${describe(seconds)}`);
  // a duration whose end the clock cannot reach (time() + seconds overflows: a virtual clock far ahead) would never end
  if (!Number.isFinite(loop.time() + seconds)) throw new RangeError(`trace(): ${seconds} seconds from the loop's time ${loop.time()} is past what its clock can reach`);
  if (loop._tracer !== null) throw new RuntimeError('trace(): this loop is already being traced');
  const tracer = loop._startTracer(capacity === null || capacity === undefined ? {} : { capacity: capacity as number }, into ?? undefined);
  const fut = loop.createFuture<Trace | null>();
  loop.callLater(seconds, () => {
    if (loop._tracer === tracer) loop._stopTracer();
    if (!fut.done()) fut.setResult(into !== null ? null : tracer.export());
  });
  return fut;
}

/** The built-in function `name` of `loop` (`trace`: its port's buffers, if any), for a submission from another thread; undefined if none. */
export function builtin(loop: EventLoop, name: string, trace: TraceBuffers | null): ((...args: any[]) => unknown) | undefined {
  if (name === INSPECT) return () => inspectLoop(loop);
  // the asker says whether its handle has the port's buffers to read
  if (name === TRACE) return (seconds: unknown, capacity: unknown, viaPort: unknown) => traceLoop(loop, seconds, capacity, viaPort === true ? trace : null);
  return undefined;
}
