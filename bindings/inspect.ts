/**
 * A look at a loop from another thread — `remote.inspect()` and `remote.trace(seconds)` of a
 * RemoteLoop (threads.ts): built-in functions every loop with a port answers, like exposed ones.
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
import { formatCallGraph, waitedOn } from './toolkit/graph.js';
import type { TraceBuffers } from './trace.js';

/** One pending task of an inspected loop. */
export interface TaskInfo {
  name: string;
  /** its coroutine, as its repr shows it (`main()`, `generator`, `promise`) */
  coro: string;
  state: 'pending' | 'cancelling';
  /** the Future it is suspended on (its repr), when known */
  waitingOn: string | null;
  /** formatCallGraph(task): the task, and who awaits it */
  callGraph: string;
}

export interface LoopInspection {
  thread: string;
  core: string;
  clock: string;
  /** the loop's time when it answered */
  time: number;
  tasks: TaskInfo[];
  stats: LoopStats;
}

export const INSPECT = 'wasmloop.inspect';
export const TRACE = 'wasmloop.trace';

export function inspectLoop(loop: EventLoop): LoopInspection {
  const tasks: TaskInfo[] = [];
  for (const t of allTasksOf(loop)) {
    const w = waitedOn(t);
    tasks.push({ name: t.getName(), coro: t._coroRepr, state: t.cancelling() > 0 ? 'cancelling' : 'pending', waitingOn: w === null ? null : String(w), callGraph: formatCallGraph(t) });
  }
  return { thread: host.threadName(), core: loop.core, clock: loop.clock, time: loop.time(), tasks, stats: loop.stats() };
}

/** Traces `loop` for `seconds` of its time; once they passed, the ring it recorded into (stopped, for the asker to read). */
export function traceLoop(loop: EventLoop, seconds: unknown, capacity: unknown): Future<TraceBuffers> {
  if (typeof seconds !== 'number' || !(seconds >= 0) || seconds === Infinity) throw new RangeError(`trace() needs a finite number of seconds ≥ 0, got ${describe(seconds)}`);
  if (loop._tracer !== null) throw new RuntimeError('trace(): this loop is already being traced');
  loop.startTrace(capacity === null || capacity === undefined ? {} : { capacity: capacity as number });
  const tracer = loop._tracer!;
  const fut = loop.createFuture<TraceBuffers>();
  loop.callLater(seconds, () => {
    if (loop._tracer === tracer) loop._stopTracer();
    if (!fut.done()) fut.setResult(tracer.ring.buffers);
  });
  return fut;
}

/** The built-in function `name` of `loop`, for a submission from another thread; undefined if none. */
export function builtin(loop: EventLoop, name: string): ((...args: any[]) => unknown) | undefined {
  if (name === INSPECT) return () => inspectLoop(loop);
  if (name === TRACE) return (seconds: unknown, capacity: unknown) => traceLoop(loop, seconds, capacity);
  return undefined;
}
