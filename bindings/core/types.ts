/**
 * The core contract: what the loop front (bindings/loop.ts) asks of a scheduling core.
 *
 * Two cores implement it with the same algorithms: `JsCore` (bindings/core/js.ts, typed arrays)
 * and `WasmCore` (bindings/core/wasm.ts over assembly/core.ts, in a WebAssembly memory that is
 * shared where the host allows SharedArrayBuffer, plain otherwise).
 *
 * Model
 * - A *slot* is a small integer naming one scheduled callback. The front keeps the callback in
 *   its own table at that index; the core only ever sees slots. Each slot has a *generation* that
 *   the core bumps whenever the slot is freed, so a stale (slot, gen) pair cannot cancel a newer
 *   callback that reuses the slot.
 * - The *ready ring* is a FIFO of slots. `pushReady` appends in O(1).
 * - The *timer heap* is a 4-ary min-heap keyed by (when, seq): seq is a counter assigned when a
 *   timer enters the core, so equal deadlines fire in scheduling order. `pushTimer` is O(log n)
 *   (or O(1) staged and merged at the next `tick`/`nextDeadline`, which must not change order).
 * - `tick(now, resolution)` is asyncio's `_run_once` minus the running of callbacks:
 *     1. frees the slots of the previous batch (bumping their generations);
 *     2. drops cancelled timers: if at least 100 timers are scheduled and more than half of them
 *        are cancelled, rebuilds the heap without them; otherwise pops cancelled ones off the top;
 *     3. moves every live timer with `when <= now + resolution` to the ready ring's tail, in
 *        (when, seq) order;
 *     4. moves the whole ready ring into the *batch* and returns its length n.
 *   The batch is `mem32[batchBase + i]` for i < n and stays valid until the next `tick`.
 *   Callbacks scheduled while the batch runs land in the ring, so they run in the next tick.
 *   Cancelled ready entries are *not* filtered by the core: the front skips them (it clears its
 *   table entry on cancel), and the slot is freed with the batch.
 * - `cancel(slot, gen)` marks the slot's pending entry cancelled if `gen` is current; a cancelled
 *   timer is dropped lazily by the core, which then frees its slot itself.
 *
 * Every method that may allocate throws `RangeError` (message starts "wasmloop: core memory
 * exhausted") when the core cannot grow; in that case nothing was scheduled. Both cores take the
 * same stated limits (`CoreLimits`): at most `maxEntries` slots, and at most `maximumMemory` bytes
 * (the WASM core's WebAssembly memory, the JS core's typed arrays), whichever comes first. Only `alloc` grows
 * in normal use: the ring and the heap always have room for every slot, so `pushReady` and
 * `pushTimer` of an allocated slot never throw (the loop relies on it: no try/catch per callSoon).
 */
export type CoreKind = 'wasm' | 'js';

export interface Core {
  readonly kind: CoreKind;
  /** Batch storage: the batch is `mem32[batchBase .. batchBase + n)` after `tick` returned n. */
  readonly mem32: Uint32Array;
  readonly batchBase: number;
  /** Takes a free slot (growing the slot table when needed). */
  alloc(): number;
  /** Current generation of a slot (changes each time the slot is freed). */
  gen(slot: number): number;
  /** Appends an allocated slot to the ready ring. */
  pushReady(slot: number): void;
  /** Schedules an allocated slot as a timer at loop time `when` (any number but NaN; may be Infinity). */
  pushTimer(slot: number, when: number): void;
  /** Cancels the slot's pending entry if `gen` is still current; a no-op otherwise. */
  cancel(slot: number, gen: number): void;
  /** One iteration's scheduling step (see above); returns the batch length. */
  tick(now: number, resolution: number): number;
  /** Earliest `when` among live timers, or Infinity when there are none. Drops cancelled tops. */
  nextDeadline(): number;
  /** Entries waiting in the ready ring (cancelled ones included). */
  readyCount(): number;
  /** Timers held by the core, cancelled ones not yet dropped included. */
  timerCount(): number;
  /** Cancelled timers still held by the core. */
  cancelledCount(): number;
  /** Bytes of memory the core holds right now (its WebAssembly memory, or its typed arrays). */
  footprint(): number;
  /** Drops everything and releases the core's memory. The core is unusable afterwards. */
  close(): void;
  /**
   * @internal Fault injection, for tests only (test/fault-injection.test.ts): the `k`-th `alloc`
   * from now (k >= 1) throws the memory-exhausted RangeError (`injectedRefusal()`) once, as a full
   * core would, with nothing changed; `0` disarms. Returns how many allocations the previous
   * countdown had left (0 when none was armed), so that `failAfter(2 ** 30)` … `2 ** 30 -
   * failAfter(0)` counts a program's allocations. Unarmed, it costs `alloc` one predictable branch.
   */
  failAfter(k: number): number;
  /**
   * The owner's wake word (the inbox's C_WAKE, see core/inbox.ts): a shared i32 where the host has
   * SharedArrayBuffer. A blocked or sleeping runner waits on it; other threads notify it.
   */
  wakeCell(): WakeCell;
  /** Opens the cross-thread inbox with a ring of `words` words (idempotent). */
  openInbox(words: number): CoreInbox;
}

export interface WakeCell {
  readonly i32: Int32Array;
  readonly index: number;
}

/** Where an inbox lives: what a port carries to other threads (all structured-cloneable). */
export interface InboxRegion {
  /** The shared memory holding the inbox's control block. */
  readonly ctrlBuffer: SharedArrayBuffer;
  /** Word index of the control block in ctrlBuffer. */
  readonly ctrl: number;
  /** The shared memory holding the inbox's ring of records. */
  readonly ringBuffer: SharedArrayBuffer;
}

/** The consumer's side of an open inbox (core/inbox.ts). */
export interface CoreInbox {
  readonly region: InboxRegion;
  /** Whether a record waits to be drained (one atomic load or two; now and then it looks for a record stuck at the head). */
  pending(): boolean;
  /** Looks for a record stuck at the head: 0 when one waits to be drained, else ms until a stuck one is due to be given up (Infinity: none). */
  check(): number;
  /** Moves every committed record to the drain area (`out` from word `outBase`), skipping given-up ones; returns the words moved. */
  drain(): number;
  readonly out: Int32Array;
  readonly outBase: number;
  /** Refuses new reservations, then drains what was accepted before (`each(words)` per batch), giving up what was not committed. */
  closeAndDrain(each: (words: number) => void): void;
  /** The consumed position. */
  head(): number;
}

/** asyncio's _MIN_SCHEDULED_TIMER_HANDLES and _MIN_CANCELLED_TIMER_HANDLES_FRACTION. */
export const MIN_SCHEDULED_TIMER_HANDLES = 100;
export const MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;

export const MEMORY_EXHAUSTED = 'wasmloop: core memory exhausted';

/** The limits every core takes (newEventLoop passes them to whichever core it makes). */
export interface CoreLimits {
  /** Most bytes the core's memory may hold (default 1 GiB; the WASM core uses whole 64 KiB pages). */
  maximumMemory?: number;
  /** Most callbacks and timers that may be pending at once (default 2^26). */
  maxEntries?: number;
}

export const DEFAULT_MAXIMUM_MEMORY = 2 ** 30;
export const MIN_MAXIMUM_MEMORY = 2 ** 16;
/** The most a wasm32 memory can hold. */
export const MAX_MAXIMUM_MEMORY = 2 ** 32;
/** The most slots a core may have (and maxEntries' default): keeps every WASM block under 2^30 bytes. */
export const MAX_ENTRIES = 2 ** 26;

/** The limits with their defaults; TypeError or RangeError at the caller for a bad one. */
export function checkLimits(opts: CoreLimits): Required<CoreLimits> {
  return {
    maximumMemory: checkInteger(opts.maximumMemory, 'maximumMemory', MIN_MAXIMUM_MEMORY, MAX_MAXIMUM_MEMORY, DEFAULT_MAXIMUM_MEMORY),
    maxEntries: checkInteger(opts.maxEntries, 'maxEntries', 1, MAX_ENTRIES, MAX_ENTRIES),
  };
}

function checkInteger(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw new TypeError(`${name} must be a number, got ${typeof v}`);
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
  return v;
}

/** The error of a core that cannot grow, `why` saying which limit it reached. */
export function memoryExhausted(why: string): RangeError {
  return new RangeError(`${MEMORY_EXHAUSTED}: ${why}`);
}

/** Whether `e` is a core's refusal for memory (`memoryExhausted`). */
export function isMemoryExhausted(e: unknown): boolean {
  try {
    // any value may be asked about (a callback threw it): a Proxy's traps or a getter may throw
    if (!(e instanceof RangeError)) return false;
    const message: unknown = e.message;
    return typeof message === 'string' && message.startsWith(MEMORY_EXHAUSTED);
  } catch {
    return false;
  }
}

/** The refusal `failAfter` injects: the memory-exhausted error a full core throws. */
export function injectedRefusal(): RangeError {
  return memoryExhausted('refused by failAfter() (fault injection)');
}

/** `failAfter`'s argument, checked: an integer from 0 to 2^31. */
export function checkFailAfter(k: unknown): number {
  return checkInteger(k, 'failAfter', 0, 2 ** 31, 0);
}

/** The error of a core that holds `maxEntries` pending callbacks and timers. */
export function tooManyEntries(maxEntries: number): RangeError {
  return memoryExhausted(`${maxEntries} callbacks and timers are pending, as many as maxEntries allows`);
}
