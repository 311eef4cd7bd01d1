/**
 * Per-thread loop state. Every JavaScript thread (main thread, Node worker, Web Worker) has its
 * own instance of this module, so these two variables are per thread, as asyncio's are.
 */
import { RuntimeError } from './errors.js';

export interface RunnableLoop {
  isClosed(): boolean;
}

let running: RunnableLoop | null = null;

/** Names this thread (this module instance) for ports: a port used on its owner's thread must not block. */
export const threadToken = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
let current: RunnableLoop | null = null;

export function getRunning(): RunnableLoop | null {
  return running;
}

/** @internal a loop starts running in this thread */
export function enterRunning(loop: RunnableLoop): void {
  if (running !== null && running !== loop) throw new RuntimeError('Cannot run the event loop while another loop is running');
  running = loop;
}

/** @internal */
export function leaveRunning(loop: RunnableLoop): void {
  if (running === loop) running = null;
}

export function getCurrent(): RunnableLoop | null {
  return current;
}

export function setCurrent(loop: RunnableLoop | null): void {
  current = loop;
}
