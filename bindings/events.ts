/**
 * The per-thread policy and the module-level API (asyncio's events.py and runners.py):
 * newEventLoop / getEventLoop / setEventLoop / getRunningLoop / install / run, and the
 * task-level helpers that find the running loop (createTask, currentTask, allTasks, ensureFuture).
 */
import { CancelledError, RuntimeError, describe } from './errors.js';
import { isInstance } from './repr.js';
import { Future, _setLoopResolver } from './futures.js';
import { EventLoop, _setDefaultCore, checkCoreKind, type LoopOptions } from './loop.js';
import { host } from './hosts/index.js';
import { Task, allTasksOf, createTaskOn, currentTaskOf, ensureFutureOn, isGenerator, type CoroutineLike, type TaskOptions } from './tasks.js';
import { getCurrent, getRunning, setCurrent } from './thread-state.js';
import { running } from './attribution.js';
import type { CoreKind } from './core/types.js';

/**
 * A new event loop; `opts.core` picks the core (default: what install() chose, else 'wasm'). TypeError
 * (RangeError for an out-of-range number) for a bad option (API.md §1.1). asyncio:
 * `asyncio.new_event_loop`.
 */
export function newEventLoop(opts?: LoopOptions): EventLoop {
  return new EventLoop(opts);
}

/**
 * The loop running in this thread; throws RuntimeError('no running event loop') if none. API.md §1.4.
 * asyncio: `asyncio.get_running_loop`.
 */
export function getRunningLoop(): EventLoop {
  const loop = getRunning();
  if (loop === null) throw new RuntimeError('no running event loop');
  return loop as EventLoop;
}

/**
 * The running loop, else this thread's loop, else — on the main thread only — a new loop that
 * becomes this thread's loop. In a worker with no loop set, throws RuntimeError.
 * API.md §1.2. asyncio: `asyncio.get_event_loop`.
 */
export function getEventLoop(): EventLoop {
  const running = getRunning();
  if (running !== null) return running as EventLoop;
  const cur = getCurrent();
  if (cur !== null) return cur as EventLoop;
  if (!host.isMainThread()) throw new RuntimeError(`There is no current event loop in thread '${host.threadName()}'.`);
  const loop = newEventLoop();
  setCurrent(loop);
  return loop;
}

/**
 * Sets this thread's loop (null to unset). TypeError for anything but an EventLoop or null (API.md
 * §1.3). asyncio: `asyncio.set_event_loop`.
 */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && !(loop instanceof EventLoop)) throw new TypeError(`loop must be an EventLoop or null, got ${describe(loop)}`);
  setCurrent(loop);
}

/**
 * Like uvloop.install(): loops made from now on without an explicit core use `core`. Without an
 * argument, the default again: WASM, or the JS core where the host refuses another WebAssembly
 * memory (API.md §1.8). TypeError for a core other than 'wasm' or 'js' (API.md §1.5). uvloop:
 * `uvloop.install`.
 */
export function install(core?: CoreKind): void {
  if (core === undefined) _setDefaultCore('wasm', false);
  else _setDefaultCore(checkCoreKind(core), true);
}

/**
 * asyncio.create_task: a task on the running loop. RuntimeError where no loop runs. asyncio:
 * `asyncio.create_task`.
 */
export function createTask<T>(coro: CoroutineLike<T>, opts?: TaskOptions): Task<T> {
  return createTaskOn(getRunningLoop(), coro, opts);
}

/**
 * The task running right now on `loop` (default: the running loop), or null. asyncio:
 * `asyncio.current_task`.
 */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  return currentTaskOf(loop ?? getRunningLoop());
}

/** The tasks of `loop` (default: the running loop) that are not done yet. asyncio: `asyncio.all_tasks`. */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  return allTasksOf(loop ?? getRunningLoop());
}

/**
 * A Future for `aw`: Futures as they are, coroutines as Tasks, promises wrapped — on `opts.loop`,
 * else the loop of the task calling, else the running loop (never the thread's default loop,
 * which nobody may run: with none of them it throws, as every toolkit function does).
 * TypeError for something not awaitable. asyncio: `asyncio.ensure_future`.
 */
export function ensureFuture<T>(aw: unknown, opts?: { loop?: EventLoop }): Future<T> {
  if (opts?.loop != null) return ensureFutureOn<T>(aw, opts.loop);
  if (aw instanceof Future) return aw as Future<T>;
  const t = running;
  const loop = t !== null ? (t._loop as EventLoop) : getRunning();
  if (loop === null) throw noLoop('ensureFuture');
  return ensureFutureOn<T>(aw, loop as EventLoop);
}

/**
 * The error of a toolkit function called where no loop runs and no task is known — typically an
 * async function called before its loop runs (`loop.createTask(main())`: `main()` ran its first
 * segment there). It never binds to the thread's default loop, which nobody may run.
 */
export function noLoop(fn: string): RuntimeError {
  return new RuntimeError(
    `no running event loop: ${fn}() was called or awaited where no loop is running and no task is known (an async function called before its loop runs? pass the function itself, loop.createTask(main), so that it starts inside the loop)`,
  );
}

export interface RunOptions extends LoopOptions {}

/**
 * asyncio.run: a new loop runs `main` (a generator, a generator or async function, or a promise)
 * to completion as a task; leftover tasks are then cancelled and awaited, the default executor is
 * shut down once its running calls finished, and the loop is closed.
 * Refuses to run inside a running loop. Pass the function (`run(main)`), not its promise
 * (`run(main())`): the promise's first segment would run before the loop and outside the task.
 * RuntimeError inside a running loop; main's exception comes out of it (API.md §1.6).
 */
export async function run<T>(main: CoroutineLike<T>, opts?: RunOptions): Promise<T> {
  if (getRunning() !== null) {
    if (isGenerator(main)) main.return(undefined as T);
    throw new RuntimeError('run() cannot be called from a running event loop');
  }
  if (main instanceof Future) throw new TypeError(`run() needs a coroutine (a generator, a function or a promise), got ${main}`);
  const loop = newEventLoop(opts);
  const previous = getCurrent();
  setCurrent(loop);
  try {
    return await loop.runUntilComplete(ensureFutureOn<T>(main, loop));
  } finally {
    try {
      await cancelAllTasks(loop);
      // as asyncio.run's shutdown_default_executor(): calls still running in the default
      // executor finish before the loop closes (close() alone would end them)
      await loop.shutdownDefaultExecutor();
    } finally {
      loop.close();
      setCurrent(previous === loop ? null : previous);
    }
  }
}

async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const tasks = [...allTasksOf(loop)];
  if (tasks.length === 0) return;
  for (const t of tasks) t.cancel();
  const all = loop.createFuture<void>();
  let left = tasks.length;
  for (const t of tasks)
    t.addDoneCallback(() => {
      if (--left === 0 && !all.done()) all.setResult();
    });
  await loop.runUntilComplete(all);
  for (const t of tasks) {
    if (t.cancelled()) continue;
    const exc = t.exception();
    if (t._hasException && !isInstance(exc, CancelledError))
      loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: exc, task: t });
  }
}

_setLoopResolver(getEventLoop);
