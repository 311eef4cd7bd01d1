/**
 * The loop's clock (docs/API.md §4): one object the loop asks, with a real and a virtual
 * implementation, so the loop itself never asks which clock it has.
 *
 * The loop asks it three things: the time (`now`, seconds); how long an idle loop may wait for its
 * next deadline (`timeout`, the last step of the loop's idle policy, loop.ts `_timeout`); and
 * whether time moves only when the loop lets it (`jumps`: then promise chains settle before).
 * Like Trio's `Clock` (`current_time`, `deadline_to_sleep_time`) and its `MockClock`, whose
 * autojump is our virtual clock's jump.
 */
import { RuntimeError, describe } from './errors.js';
import { host } from './hosts/index.js';

/**
 * A loop's clock: `'monotonic'` (the host's performance.now, in seconds) or `'virtual'` (starts at 0
 * and jumps to the next timer whenever nothing is ready; API.md §4).
 */
export type ClockKind = 'monotonic' | 'virtual';

export interface Clock {
  readonly kind: ClockKind;
  /** Smallest time step the clock shows, in seconds: a timer within it of now is due (§2.10). */
  readonly resolution: number;
  /** Time moves only at the loop's idle point (virtual): what could still schedule before it (promise reactions) must settle first. */
  readonly jumps: boolean;
  /** The time, in seconds. */
  now(): number;
  /**
   * What an idle loop may wait, in seconds, for its next deadline `next` (Infinity: no timer):
   * 0 when `next` is due now (within `resolution`), Infinity when only a wake-up can end the wait.
   * A virtual clock jumps to `next` and answers 0: nothing ever waits for virtual time.
   */
  timeout(next: number): number;
  /** Moves the clock forward by `seconds` (loop.advance): a virtual clock only. */
  advance(seconds: number): void;
}

/** `performance.now()` based (§4.1); its resolution as measured on the host, once per process. */
class MonotonicClock implements Clock {
  readonly kind = 'monotonic';
  readonly jumps = false;
  readonly resolution = measureResolution();

  now(): number {
    return host.now() / 1000;
  }

  timeout(next: number): number {
    const now = host.now() / 1000;
    return next <= now + this.resolution ? 0 : next - now; // Infinity - now: Infinity
  }

  advance(_seconds: number): void {
    throw new RuntimeError("advance() needs a virtual clock: newEventLoop({ clock: 'virtual' })");
  }
}

/** Starts at 0; jumps to the next timer whenever the loop has nothing ready (§4.2), or by `advance`. */
class VirtualClock implements Clock {
  readonly kind = 'virtual';
  readonly jumps = true;
  readonly resolution = 1e-9;
  private _t = 0;

  now(): number {
    return this._t;
  }

  timeout(next: number): number {
    if (next === Infinity) return Infinity;
    // a timer within the resolution of now is ready as it is: no jump
    if (next > this._t + this.resolution) this._t = next;
    return 0;
  }

  advance(seconds: number): void {
    checkSeconds(seconds, 'advance', 'seconds');
    if (seconds < 0) throw new RangeError(`advance() cannot move time backwards (got ${seconds})`);
    if (seconds === Infinity) throw new RangeError('advance() needs a finite number of seconds (got Infinity): a virtual clock at Infinity would fire every timer, Infinity ones included');
    const t = this._t + seconds;
    if (t === Infinity) throw new RangeError(`advance(${seconds}) would move the clock from ${this._t} past the largest finite time`);
    this._t = t;
  }
}

/** A new clock of `kind` (checked: a clear error for anything else). */
export function createClock(kind: unknown): Clock {
  if (kind === 'monotonic') return new MonotonicClock();
  if (kind === 'virtual') return new VirtualClock();
  throw new TypeError(`clock must be 'monotonic' or 'virtual', got ${describe(kind)}`);
}

/** A number of seconds, not NaN (Infinity and negative numbers are the caller's to judge). */
export function checkSeconds(v: unknown, method: string, what: string): asserts v is number {
  if (typeof v !== 'number') throw new TypeError(`${method}() ${what} must be a number (seconds), got ${describe(v)}`);
  if (v !== v) throw new RangeError(`${method}() ${what} must not be NaN`);
}

let monotonicResolution = 0;
function measureResolution(): number {
  if (monotonicResolution > 0) return monotonicResolution;
  let min = Infinity;
  for (let k = 0; k < 8; k++) {
    const a = host.now();
    let b = host.now();
    while (b === a) b = host.now();
    if (b - a < min) min = b - a;
  }
  monotonicResolution = min / 1000;
  return monotonicResolution;
}
