/**
 * JsCore — the pure-TypeScript scheduling core (the same algorithms as assembly/core.ts).
 *
 * Layout (struct of arrays, every array grows by doubling, nothing allocated per callback):
 *   slots:  gen: Uint32Array, state: Uint8Array, free stack: Uint32Array + freeTop
 *   ring:   Uint32Array of slots, capacity a power of two; entries at [head, tail) & mask
 *   heap:   hWhen: Float64Array, hSeq: Float64Array, hSlot: Uint32Array, size hSize
 *   batch:  Uint32Array, the slots handed to the front by the last tick, length batchLen
 * Invariants:
 *   - a slot is in exactly one of: free stack (FREE), ring (READY/CANCELLED_READY),
 *     heap (TIMER/CANCELLED_TIMER), batch (RUNNING);
 *   - heap order: parent (when, seq) < child (when, seq) lexicographically; seq strictly grows;
 *   - cancelled = number of CANCELLED_TIMER slots, all of them in the heap.
 */
import { Core, MEMORY_EXHAUSTED, MIN_CANCELLED_TIMER_HANDLES_FRACTION, MIN_SCHEDULED_TIMER_HANDLES } from './types.js';

// Slot states, the numbers of assembly/core.ts's S_*. Plain constants, not an enum: an enum
// compiles to an object (isolatedModules) and costs a property load on every use.
const FREE = 0;
const READY = 1;
const TIMER = 2;
const CANCELLED_TIMER = 3;
const CANCELLED_READY = 4;
const RUNNING = 5;

export interface JsCoreOptions {
  /** Most callbacks and timers that may be pending at once (default 2^26). */
  maxEntries?: number;
}

const INITIAL = 64;

export class JsCore implements Core {
  readonly kind = 'js' as const;
  mem32: Uint32Array = new Uint32Array(INITIAL);
  readonly batchBase = 0;
  private batchLen = 0;

  private gens = new Uint32Array(INITIAL);
  private state = new Uint8Array(INITIAL);
  private freeStack = new Uint32Array(INITIAL);
  private freeTop = 0;
  private nSlots = 0;

  private ring = new Uint32Array(INITIAL);
  private mask = INITIAL - 1;
  private head = 0;
  private tail = 0;

  private hWhen = new Float64Array(INITIAL);
  private hSeq = new Float64Array(INITIAL);
  private hSlot = new Uint32Array(INITIAL);
  private hSize = 0;
  private seq = 0;
  private cancelled = 0;
  private readonly maxEntries: number;
  private closed = false;

  constructor(opts: JsCoreOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1 << 26;
    this.growSlots();
  }

  alloc(): number {
    if (this.freeTop === 0) this.growSlots();
    const slot = this.freeStack[--this.freeTop]!;
    return slot;
  }

  gen(slot: number): number {
    return this.gens[slot]!;
  }

  release(slot: number): void {
    this.free(slot);
  }

  pushReady(slot: number): void {
    if (this.tail - this.head > this.mask) this.growRing();
    this.ring[this.tail & this.mask] = slot;
    this.tail++; // tick empties the ring every iteration, so positions stay small
    this.state[slot] = READY;
  }

  pushTimer(slot: number, when: number): void {
    if (this.hSize === this.hWhen.length) this.growHeap(); // only if a slot is pushed twice: the heap holds every slot
    this.state[slot] = TIMER;
    this.siftUp(this.hSize++, when, this.seq++, slot);
  }

  cancel(slot: number, gen: number): void {
    if (this.gens[slot] !== gen) return;
    const s = this.state[slot];
    if (s === TIMER) {
      this.state[slot] = CANCELLED_TIMER;
      this.cancelled++;
    } else if (s === READY) {
      this.state[slot] = CANCELLED_READY;
    }
  }

  tick(now: number, resolution: number): number {
    // 1. the previous batch has run: free its slots
    const batch = this.mem32;
    for (let i = 0; i < this.batchLen; i++) this.free(batch[i]!);
    this.batchLen = 0;
    // 2. drop cancelled timers
    this.dropCancelled();
    // 3. expired timers join the ring after what is already there
    const end = now + resolution;
    while (this.hSize > 0 && this.hWhen[0]! <= end) {
      const slot = this.hSlot[0]!;
      this.popTop();
      if (this.state[slot] === CANCELLED_TIMER) {
        this.cancelled--;
        this.free(slot);
      } else {
        this.pushReady(slot);
      }
    }
    // 4. the whole ring becomes the batch
    const n = this.tail - this.head;
    if (n > this.mem32.length) this.mem32 = new Uint32Array(grownLength(this.mem32.length, n));
    const out = this.mem32;
    const ring = this.ring;
    const mask = this.mask;
    const state = this.state;
    let h = this.head;
    for (let i = 0; i < n; i++, h++) {
      const slot = ring[h & mask]!;
      out[i] = slot;
      state[slot] = RUNNING;
    }
    this.head = this.tail = 0;
    this.batchLen = n;
    return n;
  }

  nextDeadline(): number {
    while (this.hSize > 0) {
      const slot = this.hSlot[0]!;
      if (this.state[slot] !== CANCELLED_TIMER) return this.hWhen[0]!;
      this.popTop();
      this.cancelled--;
      this.free(slot);
    }
    return Infinity;
  }

  readyCount(): number {
    return this.tail - this.head;
  }

  timerCount(): number {
    return this.hSize;
  }

  cancelledCount(): number {
    return this.cancelled;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const empty32 = new Uint32Array(0);
    this.mem32 = this.gens = this.freeStack = this.ring = this.hSlot = empty32;
    this.state = new Uint8Array(0);
    this.hWhen = this.hSeq = new Float64Array(0);
    this.batchLen = this.hSize = this.head = this.tail = this.freeTop = this.nSlots = 0;
    this.cancelled = 0;
  }

  // ---- internals -------------------------------------------------------------------------

  private free(slot: number): void {
    this.gens[slot] = (this.gens[slot]! + 1) >>> 0;
    this.state[slot] = FREE;
    this.freeStack[this.freeTop++] = slot;
  }

  private dropCancelled(): void {
    if (this.cancelled === 0) return;
    if (this.hSize >= MIN_SCHEDULED_TIMER_HANDLES && this.cancelled > this.hSize * MIN_CANCELLED_TIMER_HANDLES_FRACTION) {
      // rebuild without the cancelled timers, then heapify in O(n)
      let k = 0;
      for (let i = 0; i < this.hSize; i++) {
        const slot = this.hSlot[i]!;
        if (this.state[slot] === CANCELLED_TIMER) {
          this.free(slot);
        } else {
          this.hWhen[k] = this.hWhen[i]!;
          this.hSeq[k] = this.hSeq[i]!;
          this.hSlot[k] = slot;
          k++;
        }
      }
      this.hSize = k;
      this.cancelled = 0;
      for (let i = (k >> 1) - 1; i >= 0; i--) this.siftDown(i, this.hWhen[i]!, this.hSeq[i]!, this.hSlot[i]!);
    } else {
      while (this.hSize > 0 && this.state[this.hSlot[0]!] === CANCELLED_TIMER) {
        const slot = this.hSlot[0]!;
        this.popTop();
        this.cancelled--;
        this.free(slot);
      }
    }
  }

  private popTop(): void {
    const last = --this.hSize;
    if (last > 0) this.siftDown(0, this.hWhen[last]!, this.hSeq[last]!, this.hSlot[last]!);
  }

  private siftUp(pos: number, when: number, seq: number, slot: number): void {
    const hw = this.hWhen, hs = this.hSeq, hl = this.hSlot;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      const pw = hw[parent]!;
      if (pw < when || (pw === when && hs[parent]! < seq)) break;
      hw[pos] = pw;
      hs[pos] = hs[parent]!;
      hl[pos] = hl[parent]!;
      pos = parent;
    }
    hw[pos] = when;
    hs[pos] = seq;
    hl[pos] = slot;
  }

  private siftDown(pos: number, when: number, seq: number, slot: number): void {
    const hw = this.hWhen, hs = this.hSeq, hl = this.hSlot;
    const size = this.hSize;
    const half = size >> 1;
    while (pos < half) {
      let child = 2 * pos + 1;
      let cw = hw[child]!;
      let cs = hs[child]!;
      const right = child + 1;
      if (right < size) {
        const rw = hw[right]!;
        const rs = hs[right]!;
        if (rw < cw || (rw === cw && rs < cs)) {
          child = right;
          cw = rw;
          cs = rs;
        }
      }
      if (when < cw || (when === cw && seq < cs)) break;
      hw[pos] = cw;
      hs[pos] = cs;
      hl[pos] = hl[child]!;
      pos = child;
    }
    hw[pos] = when;
    hs[pos] = seq;
    hl[pos] = slot;
  }

  private growSlots(): void {
    const old = this.nSlots;
    const cap = old === 0 ? INITIAL : old * 2;
    if (cap > this.maxEntries) {
      if (old >= this.maxEntries) throw new RangeError(`${MEMORY_EXHAUSTED}: ${old} callbacks and timers are pending (maxEntries)`);
    }
    const next = Math.min(cap, this.maxEntries);
    this.gens = resize32(this.gens, next);
    const st = new Uint8Array(next);
    st.set(this.state.subarray(0, old));
    this.state = st;
    this.freeStack = resize32(this.freeStack, next);
    // new slots go on the free stack so that the lowest is taken first
    for (let s = next - 1; s >= old; s--) this.freeStack[this.freeTop++] = s;
    this.nSlots = next;
    // room for every slot in the ring and in the heap now, so that pushReady and pushTimer of an
    // allocated slot never allocate (and never fail): as in the WASM core, only alloc may grow
    while (this.ring.length < next) this.growRing();
    while (this.hWhen.length < next) this.growHeap();
  }

  /** Doubles the ring (needed by growSlots; by pushReady only if a slot is pushed twice). */
  private growRing(): void {
    const n = this.tail - this.head;
    const cap = this.ring.length * 2;
    if (cap > this.maxEntries * 2) throw new RangeError(`${MEMORY_EXHAUSTED}: ready queue is full`);
    const next = new Uint32Array(cap);
    for (let i = 0; i < n; i++) next[i] = this.ring[(this.head + i) & this.mask]!;
    this.ring = next;
    this.mask = cap - 1;
    this.head = 0;
    this.tail = n;
  }

  private growHeap(): void {
    const cap = this.hWhen.length * 2;
    const w = new Float64Array(cap);
    w.set(this.hWhen);
    const s = new Float64Array(cap);
    s.set(this.hSeq);
    this.hWhen = w;
    this.hSeq = s;
    this.hSlot = resize32(this.hSlot, cap);
  }
}

function resize32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}

function grownLength(cur: number, need: number): number {
  let n = Math.max(cur, INITIAL);
  while (n < need) n *= 2;
  return n;
}

export function createJsCore(opts?: JsCoreOptions): Core {
  return new JsCore(opts);
}
