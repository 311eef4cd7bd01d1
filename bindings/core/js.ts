/**
 * JsCore — the pure-TypeScript scheduling core: assembly/core.ts's algorithms over typed arrays,
 * in the same sections under the same names (slots, ring and batch, heap, the loop's crossings,
 * the cross-thread inbox). The contract both cores keep: bindings/core/types.ts.
 *
 * Layout (struct of arrays, every array grows by doubling, nothing allocated per callback):
 *   slots   gens: Uint32Array, states: Uint8Array (FREE … RUNNING), freeStack: Uint32Array with
 *           freeTop, slotSeq: Float64Array (a timer's seq, read only when two deadlines tie)
 *   ring    Uint32Array of slots, capacity a power of two; entries at [head, tail) & mask
 *   batch   mem32, the slots handed to the front by the last tick, length batchLen, room for
 *           every slot (grown with the slot table, its entries copied: it may be running)
 *   heap    a 4-ary min-heap of 16-byte entries (when f64 at byte 0, slot u32 at byte 8) in one
 *           buffer seen as hF64/hU32; the root at entry ROOT = 3, so the children of entry p are
 *           4p - 8 .. 4p - 5: each node's four children share one 64-byte group (one cache line
 *           when the buffer is so aligned) and a pop touches ~log4(n) groups; size hSize
 *   (assembly/core.ts has the same, plus its allocator and a staging area for timers pushed by
 *   JS; here pushTimer sifts at once.) The loop front (bindings/loop.ts) keeps what runs for each
 *   slot (callback, arguments, context) in its own tables by slot: the core holds integers only.
 *
 * Invariants:
 *   - a slot is in exactly one of: free stack (FREE), ring (READY/CANCELLED_READY),
 *     heap (TIMER/CANCELLED_TIMER), batch (RUNNING);
 *   - a slot's generation (gens) changes only when it is freed: a stale (slot, gen) cancels nothing;
 *   - the ring and the heap have room for every slot (they grow with the slot table);
 *   - nSlots <= maxEntries and footprint() <= maximumMemory (core/types.ts CoreLimits): growSlots
 *     checks both, and makes every new array before it installs any, so a failure changes nothing;
 *   - heap order: parent (when, seq) < child (when, seq) lexicographically; seq strictly grows;
 *   - assembly/core.ts lays its heap out the same way and sifts the same way, so both cores
 *     free the slots of a compaction in the same order and hand out the same slots after it;
 *   - cancelled = number of CANCELLED_TIMER slots, all of them in the heap.
 *
 * Costs:
 *   - alloc, gen, pushReady, cancel: O(1), a few loads and stores; pushTimer O(log4 n);
 *   - tick: O(batch) for the ring, O(log4 n) per fired or dropped timer; a rebuild is O(n) and
 *     happens when more than half of at least 100 timers are cancelled (asyncio's rule);
 *   - W1s (one callback per iteration, the slot's whole life per callback) measured ~670
 *     instructions per callback under callgrind through the whole loop (the WASM core ~850, the
 *     FIFO floor 61):
 *     the core's share is the free-stack pop and push, the ring's store and the batch copy.
 */
import { Core, CoreInbox, type CoreLimits, MIN_CANCELLED_TIMER_HANDLES_FRACTION, MIN_SCHEDULED_TIMER_HANDLES, WakeCell, checkFailAfter, checkLimits, injectedRefusal, memoryExhausted, tooManyEntries } from './types.js';
import { C_WAKE, ConsumerInbox, closeInbox, drainInto, initInbox, noSharedMemory, standaloneCell } from './inbox.js';
import { host } from '../hosts/index.js';

// Slot states, the numbers of assembly/core.ts's S_*. Plain constants, not an enum: an enum
// compiles to an object (isolatedModules) and costs a property load on every use.
const FREE = 0;
const READY = 1;
const TIMER = 2;
const CANCELLED_TIMER = 3;
const CANCELLED_READY = 4;
const RUNNING = 5;

/** The limits of core/types.ts: maxEntries slots, maximumMemory bytes of typed arrays (footprint()). */
export type JsCoreOptions = CoreLimits;

const INITIAL = 64;
/** The heap's root entry (entries 0..2 are unused, so that every node's children share a 64-byte group). */
const ROOT = 3;
const ENTRY_BYTES = 16;

export class JsCore implements Core {
  readonly kind = 'js' as const;
  mem32: Uint32Array = new Uint32Array(INITIAL);
  readonly batchBase = 0;
  private batchLen = 0;

  private gens = new Uint32Array(INITIAL);
  private states = new Uint8Array(INITIAL);
  private freeStack = new Uint32Array(INITIAL);
  private freeTop = 0;
  private nSlots = 0;

  private ring = new Uint32Array(INITIAL);
  private mask = INITIAL - 1;
  private head = 0;
  private tail = 0;

  private hF64 = new Float64Array(0); // entry p: when at [2p]
  private hU32 = new Uint32Array(0); //   entry p: slot at [4p + 2]
  private hCap = 0; //                     entries the heap can hold (ROOT excluded)
  private slotSeq = new Float64Array(0);
  private hSize = 0;
  private seq = 0;
  private cancelled = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private closed = false;
  /** failAfter's countdown: allocations until the refused one, 0 when unarmed */
  private failIn = 0;
  // the cross-thread inbox: its control block (with the wake word) and, once opened, its ring
  private ictrl: Int32Array | null = null;
  private inbox: ConsumerInbox | null = null;

  constructor(opts: JsCoreOptions = {}) {
    const limits = checkLimits(opts);
    this.maxEntries = limits.maxEntries;
    this.maxBytes = limits.maximumMemory;
    this.growSlots();
  }

  // ---- slots ---------------------------------------------------------------------------------

  alloc(): number {
    if (this.closed) throw new Error('wasmloop: the core is closed');
    if (this.failIn !== 0 && --this.failIn === 0) throw injectedRefusal();
    if (this.freeTop === 0) this.growSlots();
    const slot = this.freeStack[--this.freeTop]!;
    return slot;
  }

  failAfter(k: number): number {
    const left = this.failIn;
    this.failIn = checkFailAfter(k);
    return left;
  }

  gen(slot: number): number {
    return this.gens[slot]!;
  }

  private freeSlot(slot: number): void {
    this.gens[slot] = (this.gens[slot]! + 1) >>> 0;
    this.states[slot] = FREE;
    this.freeStack[this.freeTop++] = slot;
  }

  /**
   * Doubles the slot table (up to maxEntries) and with it the batch, the ring and the heap, so that
   * pushReady and pushTimer of an allocated slot never allocate (and never fail): as in the WASM
   * core, only alloc may grow. Checked against maximumMemory first, and every new array is made
   * before any is installed: a failure (the limit, or the host refusing the bytes) changes nothing.
   */
  private growSlots(): void {
    const old = this.nSlots;
    if (old >= this.maxEntries) throw tooManyEntries(this.maxEntries);
    const next = Math.min(old === 0 ? INITIAL : old * 2, this.maxEntries);
    let ringCap = this.ring.length;
    while (ringCap < next) ringCap *= 2;
    const heapCap = Math.max(this.hCap, next);
    const bytes = jsCoreBytes(next, ringCap, heapCap);
    if (bytes > this.maxBytes) throw memoryExhausted(`its typed arrays would grow to ${bytes} bytes, past maximumMemory (${this.maxBytes} bytes)`);
    let gens: Uint32Array<ArrayBuffer>, freeStack: Uint32Array<ArrayBuffer>, mem32: Uint32Array<ArrayBuffer>, ring: Uint32Array<ArrayBuffer>;
    let state: Uint8Array<ArrayBuffer>, seqs: Float64Array<ArrayBuffer>, heap: ArrayBuffer;
    try {
      gens = resize32(this.gens, next);
      state = new Uint8Array(next);
      freeStack = resize32(this.freeStack, next);
      // the batch may be running: its entries move along (the front reads core.mem32 again after
      // anything that may allocate)
      mem32 = resize32(this.mem32, next);
      seqs = new Float64Array(next);
      ring = ringCap === this.ring.length ? this.ring : new Uint32Array(ringCap);
      heap = heapCap === this.hCap ? (this.hF64.buffer as ArrayBuffer) : new ArrayBuffer((heapCap + ROOT) * ENTRY_BYTES);
    } catch (e) {
      // a typed array the host cannot allocate is a RangeError too: the same error as the limit
      if (e instanceof RangeError) throw memoryExhausted(`the host refused the ${bytes} bytes its typed arrays would need`);
      throw e;
    }
    // nothing below can fail
    state.set(this.states.subarray(0, old));
    seqs.set(this.slotSeq.subarray(0, old));
    if (ring !== this.ring) {
      const n = this.tail - this.head;
      for (let i = 0; i < n; i++) ring[i] = this.ring[(this.head + i) & this.mask]!;
      this.ring = ring;
      this.mask = ringCap - 1;
      this.head = 0;
      this.tail = n;
    }
    if (heapCap !== this.hCap) this.setHeap(heap, heapCap);
    this.gens = gens;
    this.states = state;
    this.freeStack = freeStack;
    this.mem32 = mem32;
    this.slotSeq = seqs;
    // new slots go on the free stack so that the lowest is taken first
    for (let s = next - 1; s >= old; s--) this.freeStack[this.freeTop++] = s;
    this.nSlots = next;
  }

  // ---- ring and batch ------------------------------------------------------------------------

  pushReady(slot: number): void {
    // the ring holds at least one entry per slot and a slot is in it at most once: never full
    this.ring[this.tail & this.mask] = slot;
    this.tail++; // tick empties the ring every iteration, so positions stay small
    this.states[slot] = READY;
  }

  readyCount(): number {
    return this.tail - this.head;
  }

  // ---- heap ----------------------------------------------------------------------------------

  pushTimer(slot: number, when: number): void {
    if (this.hSize === this.hCap) this.growHeap(this.hCap * 2); // only if a slot is pushed twice: the heap holds every slot
    this.states[slot] = TIMER;
    this.slotSeq[slot] = this.seq++;
    this.siftUp(this.hSize++, when, slot);
  }

  cancel(slot: number, gen: number): void {
    if (this.gens[slot] !== gen) return;
    const s = this.states[slot];
    if (s === TIMER) {
      this.states[slot] = CANCELLED_TIMER;
      this.cancelled++;
    } else if (s === READY) {
      this.states[slot] = CANCELLED_READY;
    }
  }

  timerCount(): number {
    return this.hSize;
  }

  cancelledCount(): number {
    return this.cancelled;
  }

  private dropCancelled(): void {
    if (this.cancelled === 0) return;
    const f64 = this.hF64;
    const u32 = this.hU32;
    if (this.hSize >= MIN_SCHEDULED_TIMER_HANDLES && this.cancelled > this.hSize * MIN_CANCELLED_TIMER_HANDLES_FRACTION) {
      // rebuild without the cancelled timers (in entry order), then heapify in O(n)
      let k = ROOT;
      const end = this.hSize + ROOT;
      for (let p = ROOT; p < end; p++) {
        const slot = u32[4 * p + 2]!;
        if (this.states[slot] === CANCELLED_TIMER) {
          this.freeSlot(slot);
        } else {
          f64[2 * k] = f64[2 * p]!;
          u32[4 * k + 2] = slot;
          k++;
        }
      }
      const size = (this.hSize = k - ROOT);
      this.cancelled = 0;
      for (let i = size >= 2 ? (size - 2) >> 2 : -1; i >= 0; i--) this.siftDown(i, f64[2 * (i + ROOT)]!, u32[4 * (i + ROOT) + 2]!);
    } else {
      while (this.hSize > 0 && this.states[u32[4 * ROOT + 2]!] === CANCELLED_TIMER) {
        const slot = u32[4 * ROOT + 2]!;
        this.popTop();
        this.cancelled--;
        this.freeSlot(slot);
      }
    }
  }

  /**
   * Removes the top entry (hSize > 0). Bottom-up (as assembly/core.ts's popTop): the hole left at
   * the root moves down to a leaf along the least children, then the last entry sifts up from
   * there. The last entry usually belongs near the bottom, so this spares the comparison with it
   * at every level that a plain sift-down makes.
   */
  private popTop(): void {
    const last = --this.hSize;
    if (last === 0) return;
    const f64 = this.hF64;
    const u32 = this.hU32;
    const seqs = this.slotSeq;
    const end = last + ROOT;
    let p = ROOT;
    for (;;) {
      const first = 4 * p - 8;
      if (first >= end) break;
      // the least of the (up to four) children, as in siftDown: written out in both, since a
      // shared method measured ~10 % slower on W4 (assembly/core.ts shares an @inline one)
      let best = first;
      let bw = f64[2 * first]!;
      let bs = u32[4 * first + 2]!;
      const lastChild = first + 3 < end ? first + 3 : end - 1;
      for (let c = first + 1; c <= lastChild; c++) {
        const cw = f64[2 * c]!;
        if (cw < bw || (cw === bw && seqs[u32[4 * c + 2]!]! < seqs[bs]!)) {
          best = c;
          bw = cw;
          bs = u32[4 * c + 2]!;
        }
      }
      f64[2 * p] = bw;
      u32[4 * p + 2] = bs;
      p = best;
    }
    this.siftUp(p - ROOT, f64[2 * end]!, u32[4 * end + 2]!);
  }

  /** Puts (when, slot) at logical position i or above it; entries up to i are a heap. */
  private siftUp(i: number, when: number, slot: number): void {
    const f64 = this.hF64;
    const u32 = this.hU32;
    const seqs = this.slotSeq;
    let p = i + ROOT;
    while (p > ROOT) {
      const parent = (p >> 2) + 2;
      const pw = f64[2 * parent]!;
      const ps = u32[4 * parent + 2]!;
      if (pw < when || (pw === when && seqs[ps]! < seqs[slot]!)) break;
      f64[2 * p] = pw;
      u32[4 * p + 2] = ps;
      p = parent;
    }
    f64[2 * p] = when;
    u32[4 * p + 2] = slot;
  }

  /** Puts (when, slot) at logical position i or below it, in a heap of hSize entries. */
  private siftDown(i: number, when: number, slot: number): void {
    const f64 = this.hF64;
    const u32 = this.hU32;
    const seqs = this.slotSeq;
    const end = this.hSize + ROOT;
    let p = i + ROOT;
    for (;;) {
      const first = 4 * p - 8;
      if (first >= end) break;
      // the least of the (up to four) children
      let best = first;
      let bw = f64[2 * first]!;
      let bs = u32[4 * first + 2]!;
      const last = first + 3 < end ? first + 3 : end - 1;
      for (let c = first + 1; c <= last; c++) {
        const cw = f64[2 * c]!;
        if (cw < bw || (cw === bw && seqs[u32[4 * c + 2]!]! < seqs[bs]!)) {
          best = c;
          bw = cw;
          bs = u32[4 * c + 2]!;
        }
      }
      if (when < bw || (when === bw && seqs[slot]! < seqs[bs]!)) break;
      f64[2 * p] = bw;
      u32[4 * p + 2] = bs;
      p = best;
    }
    f64[2 * p] = when;
    u32[4 * p + 2] = slot;
  }

  /** Moves the heap to room for `cap` entries (16 bytes each, after ROOT unused ones); only if a slot is pushed twice. */
  private growHeap(cap: number): void {
    this.setHeap(new ArrayBuffer((cap + ROOT) * ENTRY_BYTES), cap);
  }

  /** Installs `buf` (room for `cap` entries) as the heap, with the current entries copied in. */
  private setHeap(buf: ArrayBuffer, cap: number): void {
    const f64 = new Float64Array(buf);
    f64.set(this.hF64.subarray(0, (this.hSize + ROOT) * 2));
    this.hF64 = f64;
    this.hU32 = new Uint32Array(buf);
    this.hCap = cap;
  }

  // ---- the loop's crossings ------------------------------------------------------------------

  tick(now: number, resolution: number): number {
    // 1. the previous batch has run: free its slots
    const batch = this.mem32;
    for (let i = 0; i < this.batchLen; i++) this.freeSlot(batch[i]!);
    this.batchLen = 0;
    // 2. drop cancelled timers
    this.dropCancelled();
    // 3 and 4. the ring, then every expired timer in (when, seq) order, become the batch: the
    // same batch as appending the timers to the ring first, without passing through it (mem32
    // holds as many entries as there are slots)
    const out = this.mem32;
    const ring = this.ring;
    const mask = this.mask;
    const state = this.states;
    let n = 0;
    for (let h = this.head; h !== this.tail; h++) {
      const slot = ring[h & mask]!;
      out[n++] = slot;
      state[slot] = RUNNING;
    }
    const end = now + resolution;
    while (this.hSize > 0 && this.hF64[2 * ROOT]! <= end) {
      const slot = this.hU32[4 * ROOT + 2]!;
      this.popTop();
      if (state[slot] === CANCELLED_TIMER) {
        this.cancelled--;
        this.freeSlot(slot);
      } else {
        out[n++] = slot;
        state[slot] = RUNNING;
      }
    }
    this.head = this.tail = 0;
    this.batchLen = n;
    return n;
  }

  nextDeadline(): number {
    while (this.hSize > 0) {
      const slot = this.hU32[4 * ROOT + 2]!;
      if (this.states[slot] !== CANCELLED_TIMER) return this.hF64[2 * ROOT]!;
      this.popTop();
      this.cancelled--;
      this.freeSlot(slot);
    }
    return Infinity;
  }

  footprint(): number {
    return (
      this.mem32.byteLength + this.gens.byteLength + this.states.byteLength + this.freeStack.byteLength +
      this.ring.byteLength + this.hF64.buffer.byteLength /* hU32 views the same buffer */ + this.slotSeq.byteLength
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const empty32 = new Uint32Array(0);
    this.mem32 = this.gens = this.freeStack = this.ring = this.hU32 = empty32;
    this.states = new Uint8Array(0);
    this.hF64 = this.slotSeq = new Float64Array(0);
    this.batchLen = this.hSize = this.hCap = this.head = this.tail = this.freeTop = this.nSlots = 0;
    this.cancelled = 0;
  }

  // ---- the cross-thread inbox (core/inbox.ts) ------------------------------------------------

  wakeCell(): WakeCell {
    return { i32: (this.ictrl ??= standaloneCell()), index: C_WAKE };
  }

  openInbox(words: number): CoreInbox {
    if (this.inbox !== null) return this.inbox;
    if (!host.sharedMemory()) throw noSharedMemory();
    const c = (this.ictrl ??= standaloneCell());
    const ringBuffer = new SharedArrayBuffer(words * 4);
    initInbox(c, 0, 0, words, 0);
    const out = new Int32Array(words);
    const region = { ctrlBuffer: c.buffer as SharedArrayBuffer, ctrl: 0, ringBuffer };
    const inbox: ConsumerInbox = new ConsumerInbox(region, out, 0, () => drainInto(inbox.views, out), () => closeInbox(c, 0));
    return (this.inbox = inbox);
  }
}

/** What footprint() reports for `slots` slots, a ring of `ringCap` and a heap of `heapCap` entries. */
function jsCoreBytes(slots: number, ringCap: number, heapCap: number): number {
  // mem32, gens, freeStack (u32), state (u8), slotSeq (f64); the ring (u32); the heap (16-byte entries)
  return slots * (4 + 4 + 4 + 1 + 8) + ringCap * 4 + (heapCap + ROOT) * ENTRY_BYTES;
}

function resize32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}


export function createJsCore(opts?: JsCoreOptions): Core {
  return new JsCore(opts);
}
