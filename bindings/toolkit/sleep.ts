/**
 * sleep(delay, result?) — asyncio.sleep as a Future: `yield* sleep(1)` in a generator task,
 * `await sleep(1)` anywhere. The timer starts when sleep() is called (a coroutine in asyncio
 * starts when awaited). Cancelling the future cancels its timer.
 *
 * `sleep(0)` (or a negative delay) gives up exactly one loop iteration, as asyncio's does: in a
 * generator task it is a bare `yield`; awaited, it resumes at the next iteration.
 */
import { Future } from '../futures.js';
import type { TimerHandle } from '../handles.js';
import type { EventLoop } from '../loop.js';
import { callerLoop, checkSeconds } from './base.js';

class SleepFuture<T> extends Future<T> {
  /** @internal */ _handle: TimerHandle | null = null;
  private readonly _zero: boolean;

  constructor(loop: EventLoop, delay: number, result: T) {
    super({ loop });
    this._zero = !(delay > 0);
    if (this._zero) this.setResult(result);
    else this._handle = loop.callLater(delay, wake, this, result);
  }

  /** @internal */ override get _yieldsOnce(): boolean {
    return this._zero;
  }

  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this._handle?.cancel();
    this._handle = null;
    return true;
  }

  override *[Symbol.iterator](): Generator<unknown, T, unknown> {
    if (this._zero) {
      yield; // one iteration, like asyncio's bare yield in sleep(0)
      return this.result();
    }
    return yield* super[Symbol.iterator]();
  }
}

function wake<T>(fut: SleepFuture<T>, result: T): void {
  fut._handle = null;
  if (!fut.done()) fut.setResult(result);
}

/** A Future that resolves with `result` after `delay` seconds of loop time. */
export function sleep(delay: number): Future<void>;
export function sleep<T>(delay: number, result: T): Future<T>;
export function sleep<T>(delay: number, result?: T): Future<T | undefined> {
  checkSeconds(delay, 'sleep', 'delay', false);
  return new SleepFuture(callerLoop(), delay, result);
}
