/**
 * Load metrics — `loop.stats()`: always on, so nothing here may cost a clock read per callback.
 *
 * - iterations and callbacks: counters bumped once per iteration (cancelled handles subtracted as
 *   the batch skips them);
 * - busy and idle: wall time. Idle is the time the loop sleeps in the host (or in Atomics.wait)
 *   waiting for a timer or a wake-up; busy is the rest of the time it runs. Two clock reads per
 *   sleep and per run, none per iteration. Utilization is busy / (busy + idle), as Node's
 *   `performance.eventLoopUtilization()`;
 * - timerLag: how late timers fired, in loop time (a virtual clock's seconds on a virtual loop):
 *   per iteration that fired timers, the lag of its earliest (the latest of them), measured where
 *   the tick already read the clock;
 * - readyWait: how long a ready callback waits from callSoon until its iteration begins, in wall
 *   time, sampled: one callSoon in SAMPLE_EVERY is timestamped (a countdown per callSoon, a clock
 *   read per sample);
 * - slowCallbacks: callbacks that ran at least `loop.slowCallbackDuration`, counted where the loop
 *   times each callback: in debug mode, under an observer, and while tracing.
 * Lags go into fixed-size log-bucket histograms (8 buckets per octave from 1 µs): no allocation
 * per sample; percentiles within 4.5 % (a bucket's width), max exact.
 */

/** One callSoon in this many is timestamped for the ready-wait histogram. */
export const SAMPLE_EVERY = 64;

/** p50/p99/max of a lag, in seconds; `count` samples. */
export interface LagStats {
  /** The median. */
  p50: number;
  /** The 99th percentile. */
  p99: number;
  /** The largest seen. */
  max: number;
  /** How many were measured. */
  count: number;
}

/** What `loop.stats()` gives: a loop's load since it was made or last reset. No asyncio counterpart. */
export interface LoopStats {
  /** loop iterations (core ticks) */
  iterations: number;
  /** callbacks run */
  callbacks: number;
  /** seconds of wall time the loop ran without sleeping */
  busy: number;
  /** seconds of wall time the loop slept in the host waiting for work */
  idle: number;
  /** busy / (busy + idle), 0 before anything ran */
  utilization: number;
  /** callbacks at least `slowCallbackDuration` long (timed in debug mode, under an observer, while tracing) */
  slowCallbacks: number;
  /** how late timers fired, in loop time: per iteration that fired any, its earliest timer's lag */
  timerLag: LagStats;
  /** how long ready callbacks waited for their iteration, in wall time (sampled, 1 in SAMPLE_EVERY) */
  readyWait: LagStats;
}

const MIN = 1e-6;
const PER_OCTAVE = 8;
const BUCKETS = 2 + 40 * PER_OCTAVE; // 1 µs · 2^40 ≈ 12 days

/** A histogram of non-negative seconds in log buckets: bucket 0 holds [0, 1 µs), bucket k ≥ 1 holds [MIN·2^((k−1)/8), MIN·2^(k/8)). */
export class LogHistogram {
  readonly counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;
  min = Infinity;

  add(v: number): void {
    if (!(v > 0)) v = 0;
    const k = v < MIN ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log2(v / MIN) * PER_OCTAVE));
    this.counts[k]!++;
    this.count++;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  /** The q-quantile (0..1): the geometric middle of the bucket it falls in, kept within [min, max]. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    let k = 0;
    for (; k < BUCKETS; k++) {
      seen += this.counts[k]!;
      if (seen >= rank) break;
    }
    const mid = k === 0 ? 0 : MIN * 2 ** ((k - 0.5) / PER_OCTAVE);
    return Math.min(this.max, Math.max(this.min, mid));
  }

  summary(): LagStats {
    return { p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.max, count: this.count };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
    this.min = Infinity;
  }
}

/** What the loop records (loop.ts bumps the counters inline; the rest is here, off the hot path). */
export class StatsRecorder {
  iterations = 0;
  /** callbacks handed out by ticks, cancelled ones included */
  dispatched = 0;
  /** handed out but cancelled before they ran */
  skipped = 0;
  slowCallbacks = 0;
  /** host ms the loop slept, and ran (sleeps included), since the last reset */
  idleMs = 0;
  runMs = 0;
  /** host ms the current run (or its part since a reset) began, -1 when not running */
  runStart = -1;
  /** host ms the current sleep began, -1 when not sleeping */
  sleepStart = -1;
  /** callSoons left until the next ready-wait sample */
  countdown = SAMPLE_EVERY;
  /** host ms of the sampled callSoon waiting for its iteration, -1 when none */
  sampledAt = -1;
  readonly timerLag = new LogHistogram();
  readonly readyWait = new LogHistogram();

  constructor(private readonly now: () => number) {}

  started(): void {
    this.runStart = this.now();
  }

  stopped(): void {
    if (this.sleepStart >= 0) this.woke();
    if (this.runStart >= 0) this.runMs += this.now() - this.runStart;
    this.runStart = -1;
  }

  slept(): void {
    this.sleepStart = this.now();
  }

  woke(): void {
    if (this.sleepStart < 0) return;
    const t = this.now();
    this.idleMs += t - this.sleepStart;
    this.sleepStart = -1;
  }

  /** A blocking wait of the thread took from `t0` to now (host ms). */
  blocked(t0: number): void {
    this.idleMs += this.now() - t0;
  }

  /** A callSoon's countdown reached 0: timestamp it, unless a sample still waits. */
  sample(): void {
    this.countdown = SAMPLE_EVERY;
    if (this.sampledAt < 0) this.sampledAt = this.now();
  }

  /** An iteration begins: the sampled callback's wait ends. */
  sampleDone(): void {
    this.readyWait.add((this.now() - this.sampledAt) / 1000);
    this.sampledAt = -1;
  }

  /** A tick fired timers: `lag` is how late the earliest of them ran (now minus its `when`). */
  timerFired(lag: number): void {
    this.timerLag.add(lag);
  }

  snapshot(): LoopStats {
    const t = this.now();
    let runMs = this.runMs;
    let idleMs = this.idleMs;
    if (this.runStart >= 0) runMs += t - this.runStart;
    if (this.sleepStart >= 0) idleMs += t - this.sleepStart;
    runMs -= idleMs;
    const busy = Math.max(0, runMs) / 1000;
    const idle = idleMs / 1000;
    return {
      iterations: this.iterations,
      callbacks: this.dispatched - this.skipped,
      busy,
      idle,
      utilization: busy + idle > 0 ? busy / (busy + idle) : 0,
      slowCallbacks: this.slowCallbacks,
      timerLag: this.timerLag.summary(),
      readyWait: this.readyWait.summary(),
    };
  }

  reset(): void {
    const t = this.now();
    this.iterations = 0;
    this.dispatched = 0;
    this.skipped = 0;
    this.slowCallbacks = 0;
    this.idleMs = 0;
    this.runMs = 0;
    if (this.runStart >= 0) this.runStart = t;
    if (this.sleepStart >= 0) this.sleepStart = t;
    this.sampledAt = -1;
    this.countdown = SAMPLE_EVERY;
    this.timerLag.reset();
    this.readyWait.reset();
  }
}
