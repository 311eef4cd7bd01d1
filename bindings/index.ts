/**
 * wasmloop — Python's asyncio event loop for JavaScript runtimes.
 * The portable entry: imports nothing host-specific at load time.
 * @module wasmloop
 */
export { EventLoop, HOST_TURN_MS } from './loop.js';
export type { ClockKind, LoopOptions, ExceptionContext, ExceptionHandler, LoopObserver } from './loop.js';
export type { LoopStats, LagStats } from './stats.js';
export type { Trace, TraceBuffers, TraceEvent, TraceOptions } from './trace.js';
export { readTrace, mergeTraces } from './trace.js';
export type { LoopInspection, TaskInfo } from './inspect.js';
export type { CoreKind } from './core/types.js';
export { newEventLoop, getEventLoop, setEventLoop, getRunningLoop, install, run, createTask, currentTask, allTasks, ensureFuture } from './events.js';
export type { RunOptions } from './events.js';
export { Handle, TimerHandle } from './handles.js';
export { Future, isFuture } from './futures.js';
export type { DoneCallback } from './futures.js';
export { Task, eagerTaskFactory, createEagerTaskFactory } from './tasks.js';
export type { Coroutine, CoroutineLike, TaskOptions, TaskFactory, TaskConstructor } from './tasks.js';
export { Context, ContextVar, Token, copyContext } from './context.js';
export { connect, RemoteLoop } from './ports.js';
export type { LoopPort, ConnectOptions } from './ports.js';
export { WorkerPoolExecutor } from './executor.js';
export type { Executor, WorkerPoolExecutorOptions } from './executor.js';
export { isCoro } from './coro.js';
export type { Coro } from './coro.js';
export * from './toolkit/index.js';
export {
  RuntimeError,
  CancelledError,
  InvalidStateError,
  TimeoutError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  BrokenBarrierError,
  ExceptionGroup,
  NotImplementedError,
} from './errors.js';
