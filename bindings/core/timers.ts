/**
 * The timer structure of the JS core: the algorithm and layout of assembly/timers.ts (same names,
 * same section order), over typed arrays. bindings/core/js.ts calls it from growSlots (heapBytes,
 * move), pushTimer (push), tick (dropCancelled, popDue) and nextDeadline.
 *
 * Layout
 *   heap     a 4-ary min-heap of 16-byte entries in one buffer seen as f64/u32: when f64 at byte 0
 *            (f64[2p]), slot u32 at byte 8 (u32[4p + 2]), seq u32 at byte 12 (u32[4p + 3]). Root at
 *            entry ROOT = 3: the children of entry p are 4p - 8 .. 4p - 5, so each node's four
 *            children share one 64-byte group (one cache line when the buffer is so aligned) and a
 *            pop touches ~log4(n) groups. The whole key (when, seq) is in the entry: a tie is
 *            settled without a load elsewhere (the seq used to live in a per-slot Float64Array:
 *            8 bytes a slot and a random load per tie).
 *   (no staging: a push sifts at once; the WASM core stages to spare a crossing per timer)
 * Invariants
 *   - heap order: parent (when, seq) < child (when, seq); seq strictly grows, so equal deadlines
 *     keep scheduling order;
 *   - seq < 2^32: when the counter reaches SEQ_LIMIT, renumber() rewrites every entry's seq to its
 *     rank in (when, seq) order (in-place heapsort, then a reversal: a sorted array is a heap);
 *   - the heap has room for every slot (js.ts grows it with the slot table, through move), so
 *     push, dropCancelled and popDue never allocate and cannot fail;
 *   - assembly/timers.ts sifts the same way, so both cores free the slots of a compaction in the
 *     same order and hand out the same slots after it (test/core.test.ts's differential);
 *   - cancelled = number of CANCELLED_TIMER slots, all of them in the heap.
 * Costs (cachegrind, W4 at 1M, set-up subtracted): 1,735 instructions an element, push + pop
 * (2,104 before the tournament in popTop), ~13 L1-data misses; assembly/timers.ts does the same
 * work in 1,239 (no bounds checks, one u64 move for slot and seq). 16 bytes a timer (+ 48 for
 * ROOT); the JS core's footprint at 500k pending timers: 34.6 bytes a timer (43.0 with the old
 * per-slot seq array).
 */

/** The slot states of js.ts that the timers read and write (assembly/core.ts's S_*). */
const CANCELLED_TIMER = 3;
const RUNNING = 5;

/** What the timers need of their core: the state byte of each slot, and freeing a slot. */
export interface TimerOwner {
  states: Uint8Array;
  freeSlot(slot: number): void;
}

// ---- layout ------------------------------------------------------------------------------------

const ROOT = 3;
const ENTRY_BYTES = 16;
/** asyncio's _MIN_SCHEDULED_TIMER_HANDLES (core/types.ts). */
const MIN_SCHEDULED_TIMER_HANDLES = 100;
const SEQ_LIMIT = 2 ** 32;

/** Bytes of the heap for `cap` entries (ROOT unused ones first). */
export function heapBytes(cap: number): number {
  return (cap + ROOT) * ENTRY_BYTES;
}

export class Timers {
  private f64 = new Float64Array(0); // entry p: when at [2p]
  private u32 = new Uint32Array(0); //   entry p: slot at [4p + 2], seq at [4p + 3]
  /** Entries the heap can hold (ROOT excluded). */
  cap = 0;
  /** Entries in the heap. */
  size = 0;
  /** CANCELLED_TIMER slots in the heap. */
  cancelled = 0;
  private seq = 0;

  constructor(private readonly owner: TimerOwner) {}

  // ---- sifts ---------------------------------------------------------------------------------

  /** Puts (when, slot, seq) at logical position i or above it; entries up to i are a heap. */
  private siftUp(i: number, when: number, slot: number, sq: number): void {
    const f64 = this.f64;
    const u32 = this.u32;
    let p = i + ROOT;
    while (p > ROOT) {
      const parent = (p >> 2) + 2;
      const pw = f64[2 * parent]!;
      if (pw < when || (pw === when && u32[4 * parent + 3]! < sq)) break;
      f64[2 * p] = pw;
      u32[4 * p + 2] = u32[4 * parent + 2]!;
      u32[4 * p + 3] = u32[4 * parent + 3]!;
      p = parent;
    }
    f64[2 * p] = when;
    u32[4 * p + 2] = slot;
    u32[4 * p + 3] = sq;
  }

  /** Puts (when, slot, seq) at logical position i or below it, in a heap of `size` entries. */
  private siftDown(i: number, when: number, slot: number, sq: number, size: number): void {
    const f64 = this.f64;
    const u32 = this.u32;
    const end = size + ROOT;
    let p = i + ROOT;
    for (;;) {
      const first = 4 * p - 8;
      if (first >= end) break;
      // the least of the (up to four) children: written out here and in popTop, since a shared
      // method measured ~10 % slower on W4 (assembly/timers.ts shares an @inline leastChild)
      let best = first;
      let bw = f64[2 * first]!;
      const last = first + 3 < end ? first + 3 : end - 1;
      for (let c = first + 1; c <= last; c++) {
        const cw = f64[2 * c]!;
        if (cw < bw || (cw === bw && u32[4 * c + 3]! < u32[4 * best + 3]!)) {
          best = c;
          bw = cw;
        }
      }
      if (when < bw || (when === bw && sq < u32[4 * best + 3]!)) break;
      f64[2 * p] = bw;
      u32[4 * p + 2] = u32[4 * best + 2]!;
      u32[4 * p + 3] = u32[4 * best + 3]!;
      p = best;
    }
    f64[2 * p] = when;
    u32[4 * p + 2] = slot;
    u32[4 * p + 3] = sq;
  }

  /**
   * Removes the top entry (size > 0) and returns its slot. Bottom-up (as assembly/timers.ts): the
   * hole left at the root moves down to a leaf along the least children, then the last entry sifts
   * up from there, sparing the comparison with it at every level that a plain sift-down makes.
   */
  private popTop(): number {
    const f64 = this.f64;
    const u32 = this.u32;
    const top = u32[4 * ROOT + 2]!;
    const last = --this.size;
    if (last === 0) return top;
    const end = last + ROOT;
    let p = ROOT;
    for (;;) {
      const first = 4 * p - 8;
      if (first >= end) break;
      let best = first;
      let bw = f64[2 * first]!;
      if (first + 3 < end) {
        // a full group: a two-round tournament (assembly/timers.ts's leastChild), its first two
        // comparisons independent; keys are unique, so it finds the entry the scan below would
        const w1 = f64[2 * first + 2]!;
        const w2 = f64[2 * first + 4]!;
        const w3 = f64[2 * first + 6]!;
        if (w1 < bw || (w1 === bw && u32[4 * first + 7]! < u32[4 * first + 3]!)) {
          best = first + 1;
          bw = w1;
        }
        let b2 = first + 2;
        let b2w = w2;
        if (w3 < w2 || (w3 === w2 && u32[4 * first + 15]! < u32[4 * first + 11]!)) {
          b2 = first + 3;
          b2w = w3;
        }
        if (b2w < bw || (b2w === bw && u32[4 * b2 + 3]! < u32[4 * best + 3]!)) {
          best = b2;
          bw = b2w;
        }
      } else {
        for (let c = first + 1; c < end; c++) {
          const cw = f64[2 * c]!;
          if (cw < bw || (cw === bw && u32[4 * c + 3]! < u32[4 * best + 3]!)) {
            best = c;
            bw = cw;
          }
        }
      }
      f64[2 * p] = bw;
      u32[4 * p + 2] = u32[4 * best + 2]!;
      u32[4 * p + 3] = u32[4 * best + 3]!;
      p = best;
    }
    this.siftUp(p - ROOT, f64[2 * end]!, u32[4 * end + 2]!, u32[4 * end + 3]!);
    return top;
  }

  /**
   * Rewrites every seq to its rank in (when, seq) order: an in-place heapsort (each popped entry
   * goes to the place the heap just gave up: descending order), then a reversal. A sorted array is
   * a heap. Runs once every 2^32 timers; never allocates.
   */
  private renumber(): void {
    const f64 = this.f64;
    const u32 = this.u32;
    const size = this.size;
    for (let n = size; n > 1; n--) {
      const when = f64[2 * ROOT]!;
      const slot = u32[4 * ROOT + 2]!;
      const sq = u32[4 * ROOT + 3]!;
      this.popTop();
      const at = n - 1 + ROOT;
      f64[2 * at] = when;
      u32[4 * at + 2] = slot;
      u32[4 * at + 3] = sq;
    }
    this.size = size;
    for (let i = ROOT, j = size - 1 + ROOT; i < j; i++, j--) {
      const when = f64[2 * i]!;
      const slot = u32[4 * i + 2]!;
      f64[2 * i] = f64[2 * j]!;
      u32[4 * i + 2] = u32[4 * j + 2]!;
      f64[2 * j] = when;
      u32[4 * j + 2] = slot;
    }
    for (let i = 0; i < size; i++) u32[4 * (i + ROOT) + 3] = i;
    this.seq = size;
  }

  // ---- cancelled timers ----------------------------------------------------------------------

  /** Pops cancelled timers off the top, freeing their slots. */
  private popCancelledTops(): void {
    const state = this.owner.states;
    while (this.size > 0 && state[this.u32[4 * ROOT + 2]!] === CANCELLED_TIMER) {
      this.owner.freeSlot(this.popTop());
      this.cancelled--;
    }
  }

  /** asyncio's compaction rule (core/types.ts): with at least 100 timers, more than half cancelled, rebuild; else pop tops. */
  dropCancelled(): void {
    if (this.cancelled === 0) return;
    if (this.size < MIN_SCHEDULED_TIMER_HANDLES || this.cancelled * 2 <= this.size) {
      this.popCancelledTops();
      return;
    }
    // rebuild without the cancelled timers (in entry order), then heapify in O(n)
    const f64 = this.f64;
    const u32 = this.u32;
    const state = this.owner.states;
    let k = ROOT;
    const end = this.size + ROOT;
    for (let p = ROOT; p < end; p++) {
      const slot = u32[4 * p + 2]!;
      if (state[slot] === CANCELLED_TIMER) {
        this.owner.freeSlot(slot);
      } else {
        f64[2 * k] = f64[2 * p]!;
        u32[4 * k + 2] = slot;
        u32[4 * k + 3] = u32[4 * p + 3]!;
        k++;
      }
    }
    const kept = (this.size = k - ROOT);
    this.cancelled = 0;
    for (let i = kept >= 2 ? (kept - 2) >> 2 : -1; i >= 0; i--) {
      const p = i + ROOT;
      this.siftDown(i, f64[2 * p]!, u32[4 * p + 2]!, u32[4 * p + 3]!, kept);
    }
  }

  // ---- staging -------------------------------------------------------------------------------

  /** Schedules `slot` at `when` (assembly/timers.ts stages it and flushTimers does this). */
  push(slot: number, when: number): void {
    if (this.size === this.cap) this.move(new ArrayBuffer(heapBytes(this.cap * 2)), this.cap * 2); // only if a slot is pushed twice: the heap holds every slot
    if (this.seq >= SEQ_LIMIT) this.renumber();
    this.siftUp(this.size++, when, slot, this.seq++);
  }

  /** Test hook (as assembly/timers.ts's timersSetSeq): moves the seq counter. */
  setSeq(v: number): void {
    this.seq = v;
  }

  // ---- growth --------------------------------------------------------------------------------

  /** Installs `buf` (heapBytes(cap) bytes) as the heap, with the current entries copied in. */
  move(buf: ArrayBuffer, cap: number): void {
    const f64 = new Float64Array(buf);
    f64.set(this.f64.subarray(0, (this.size + ROOT) * 2));
    this.f64 = f64;
    this.u32 = new Uint32Array(buf);
    this.cap = cap;
  }

  /** The heap's buffer (footprint). */
  bytes(): number {
    return this.f64.buffer.byteLength;
  }

  /** Drops everything (the core closes). */
  clear(): void {
    this.f64 = new Float64Array(0);
    this.u32 = new Uint32Array(0);
    this.cap = this.size = this.cancelled = 0;
  }

  // ---- expiry --------------------------------------------------------------------------------

  /**
   * Appends every live timer with when <= end to `out` from index n, in (when, seq) order, marked
   * RUNNING; frees the cancelled ones met on the way. Returns the new batch length.
   */
  popDue(end: number, out: Uint32Array, n: number): number {
    const state = this.owner.states;
    const f64 = this.f64;
    while (this.size > 0 && f64[2 * ROOT]! <= end) {
      const slot = this.popTop();
      if (state[slot] === CANCELLED_TIMER) {
        this.cancelled--;
        this.owner.freeSlot(slot);
      } else {
        out[n++] = slot;
        state[slot] = RUNNING;
      }
    }
    return n;
  }

  /** Earliest `when` among live timers, or Infinity; drops cancelled tops. */
  nextDeadline(): number {
    this.popCancelledTops();
    return this.size > 0 ? this.f64[2 * ROOT]! : Infinity;
  }
}
