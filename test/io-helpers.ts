/** Shared by the host I/O tests: run a main coroutine on a real-clock loop, bounded in time. */
import { newEventLoop, type EventLoop } from '../bindings/index.js';
import type { CoreName } from './helpers.js';

/** Runs `main(loop)` on a new monotonic loop of `core`; fails after `limit` seconds; closes the loop. */
export async function onLoop<T>(core: CoreName, main: (loop: EventLoop) => Promise<T> | Generator<unknown, T, any>, limit = 20): Promise<T> {
  const loop = newEventLoop({ core });
  const task = loop.createTask(() => main(loop));
  // a guard against hangs: cancel the task, and stop the loop if cancellation cannot reach it
  const guard = loop.callLater(limit, () => {
    task.cancel(`test took longer than ${limit} s`);
    loop.callLater(1, () => loop.stop());
  });
  try {
    return (await loop.runUntilComplete(task)) as T;
  } finally {
    guard.cancel();
    loop.close();
  }
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Collects unhandled promise rejections while a test file runs. */
export function trackUnhandled(): unknown[] {
  const seen: unknown[] = [];
  process.on('unhandledRejection', (e) => void seen.push(e));
  return seen;
}
