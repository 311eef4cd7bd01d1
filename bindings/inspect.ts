/**
 * A look at a loop from another thread — `remote.inspect()` and `remote.trace(seconds)` of a
 * RemoteLoop (threads.ts): built-in functions every loop with a port answers, like exposed ones.
 * They run as a callback of that loop, between two of its callbacks: the loop is not stopped, but
 * a loop stuck inside one callback cannot answer (reading a trace ring kept in shared memory
 * without the loop's help is a later step).
 */
import { RuntimeError, describe } from './errors.js';
import type { Future } from './futures.js';
import { host } from './hosts/index.js';
import type { EventLoop } from './loop.js';
import type { LoopStats } from './stats.js';
import { allTasksOf } from './tasks.js';
import { formatCallGraph, waitedOn } from './toolkit/graph.js';
import type { Trace } from './trace.js';

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
    tasks.push({ name: t.getName(), coro: t._coroRepr, state: t.cancelling() > 0 ? 'cancelling' : 'pending', waitingOn: w === null ? null : String(w), callGraph: formatCallGraph(t) });
  }
  return { thread: host.threadName(), core: loop.core, clock: loop.clock, time: loop.time(), tasks, stats: loop.stats() };
}

/** Traces `loop` for `seconds` of its time; the trace, once they passed. */
export function traceLoop(loop: EventLoop, seconds: unknown, capacity: unknown): Future<Trace> {
  if (typeof seconds !== 'number' || !(seconds >= 0) || seconds === Infinity) throw new RangeError(`trace() needs a finite number of seconds ≥ 0, got ${describe(seconds)}`);
  if (loop._tracer !== null) throw new RuntimeError('trace(): this loop is already being traced');
  loop.startTrace(capacity === null || capacity === undefined ? {} : { capacity: capacity as number });
  const fut = loop.createFuture<Trace>();
  loop.callLater(seconds, () => {
    if (!fut.done()) fut.setResult(loop.stopTrace());
  });
  return fut;
}

/** The built-in function `name` of `loop`, for a submission from another thread; undefined if none. */
export function builtin(loop: EventLoop, name: string): ((...args: any[]) => unknown) | undefined {
  if (name === INSPECT) return () => inspectLoop(loop);
  if (name === TRACE) return (seconds: unknown, capacity: unknown) => traceLoop(loop, seconds, capacity);
  return undefined;
}
