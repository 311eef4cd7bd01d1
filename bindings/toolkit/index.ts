/**
 * asyncio's toolkit for wasmloop: every waiting operation works in generator tasks (`yield*`) and
 * in async code (`await`), with asyncio's semantics and cancellation rules.
 */
export { sleep } from './sleep.js';
export { gather, shield, wait, asCompleted, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED } from './gather.js';
export type { GatherOptions, WaitOptions, ReturnWhen, AsCompleted, ResultOf } from './gather.js';
export { Timeout, timeout, timeoutAt, waitFor } from './timeouts.js';
export { TaskGroup } from './taskgroups.js';
export { captureCallGraph, formatCallGraph, printCallGraph, futureAddToAwaitedBy, futureDiscardFromAwaitedBy } from './graph.js';
export type { FutureCallGraph, CallStackEntry, CallGraphOptions } from './graph.js';
export { Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier } from './locks.js';
export { Queue, PriorityQueue, LifoQueue, defaultCompare } from './queues.js';
export { withContext } from './base.js';
export type { AsyncContextManager, Body } from './base.js';
