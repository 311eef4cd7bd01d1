/** Shared by the host I/O tests: run a main coroutine on a real-clock loop, bounded in time. */
import * as wl from '../bindings/index.js';
import type { EventLoop } from '../bindings/index.js';
import type { CoreName } from './helpers.js';
import { onLoop as kitOnLoop } from './hostio/kit.js';

export { enc, dec } from './hostio/kit.js';

/** Runs `main(loop)` on a new monotonic loop of `core`; fails after `limit` seconds; closes the loop. */
export function onLoop<T>(core: CoreName, main: (loop: EventLoop) => Promise<T> | Generator<unknown, T, any>, limit = 20): Promise<T> {
  return kitOnLoop(wl, core, main, limit);
}

/** Collects unhandled promise rejections while a test file runs. */
export function trackUnhandled(): unknown[] {
  const seen: unknown[] = [];
  process.on('unhandledRejection', (e) => void seen.push(e));
  return seen;
}
