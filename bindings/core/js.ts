/**
 * JsCore — the pure-TypeScript scheduling core: assembly/core.ts's algorithms over typed arrays,
 * in the same sections under the same names (slots, ring and batch, heap, the loop's crossings,
 * the cross-thread inbox). The contract both cores keep: bindings/core/types.ts.
 *
 * Layout (struct of arrays, every array grows by doubling, nothing allocated per callback):
 *   slots   gens: Uint32Array, states: Uint8Array (FREE … RUNNING), freeStack: Uint32Array with
 *           freeTop
 *   ring    Uint32Array of slots, capacity a power of two; entries at [head, tail) & mask
 *   batch   mem32, the slots handed to the front by the last tick, length batchLen, room for
 *           every slot (grown with the slot table, its entries copied: it may be running)
 *   timers  the heap: bindings/core/timers.ts (layout, invariants, costs)
 *   (assembly/core.ts has the same, plus its allocator.) The loop front (bindings/loop.ts) keeps
 *   what runs for each slot (callback, arguments, context) in its own tables by slot: the core
 *   holds integers only.
 *
 * Invariants:
 *   - a slot is in exactly one of: free stack (FREE), ring (READY/CANCELLED_READY),
 *     heap (TIMER/CANCELLED_TIMER), batch (RUNNING);
 *   - a slot's generation (gens) changes only when it is freed: a stale (slot, gen) cancels nothing;
 *   - the ring and the heap have room for every slot (they grow with the slot table);
 *   - nSlots <= maxEntries and footprint() <= maximumMemory (core/types.ts CoreLimits): growSlots
 *     checks both, and makes every new array before it installs any, so a failure changes nothing;
 *   - the timers' own invariants (heap order, seq, cancelled): bindings/core/timers.ts.
 *
 * Costs:
 *   - alloc, gen, pushReady, cancel: O(1), a few loads and stores; pushTimer O(log4 n) (timers.ts);
 *   - tick: O(batch) for the ring, O(log4 n) per fired or dropped timer; a rebuild is O(n) and
 *     happens when more than half of at least 100 timers are cancelled (asyncio's rule);
 *   - W1s (one callback per iteration, the slot's whole life per callback) measured ~690
 *     instructions per callback under callgrind through the whole loop (the WASM core ~790, the
 *     FIFO floor 61):
 *     the core's share is the free-stack pop and push, the ring's store and the batch copy.
 */
import { Core, CoreInbox, type CoreLimits, WakeCell, checkFailAfter, checkLimits, injectedRefusal, memoryExhausted, tooManyEntries } from './types.js';
import { C_WAKE, ConsumerInbox, closeInbox, drainInto, initInbox, noSharedMemory, standaloneCell } from './inbox.js';
import { host } from '../hosts/index.js';
import { Timers, heapBytes } from './timers.js';

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

export class JsCore implements Core {
  readonly kind = 'js' as const;
  mem32: Uint32Array = new Uint32Array(INITIAL);
  readonly batchBase = 0;
  private batchLen = 0;

  private gens = new Uint32Array(INITIAL);
  /** @internal read by the timers (TimerOwner) */
  states = new Uint8Array(INITIAL);
  private freeStack = new Uint32Array(INITIAL);
  private freeTop = 0;
  private nSlots = 0;

  private ring = new Uint32Array(INITIAL);
  private mask = INITIAL - 1;
  private head = 0;
  private tail = 0;

  private readonly timers = new Timers(this);
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

  /** @internal (TimerOwner) */
  freeSlot(slot: number): void {
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
    const heapCap = Math.max(this.timers.cap, next);
    const bytes = jsCoreBytes(next, ringCap, heapCap);
    if (bytes > this.maxBytes) throw memoryExhausted(`its typed arrays would grow to ${bytes} bytes, past maximumMemory (${this.maxBytes} bytes)`);
    let gens: Uint32Array<ArrayBuffer>, freeStack: Uint32Array<ArrayBuffer>, mem32: Uint32Array<ArrayBuffer>, ring: Uint32Array<ArrayBuffer>;
    let state: Uint8Array<ArrayBuffer>, heap: ArrayBuffer | null;
    try {
      gens = resize32(this.gens, next);
      state = new Uint8Array(next);
      freeStack = resize32(this.freeStack, next);
      // the batch may be running: its entries move along (the front reads core.mem32 again after
      // anything that may allocate)
      mem32 = resize32(this.mem32, next);
      ring = ringCap === this.ring.length ? this.ring : new Uint32Array(ringCap);
      heap = heapCap === this.timers.cap ? null : new ArrayBuffer(heapBytes(heapCap));
    } catch (e) {
      // a typed array the host cannot allocate is a RangeError too: the same error as the limit
      if (e instanceof RangeError) throw memoryExhausted(`the host refused the ${bytes} bytes its typed arrays would need`);
      throw e;
    }
    // nothing below can fail
    state.set(this.states.subarray(0, old));
    if (ring !== this.ring) {
      const n = this.tail - this.head;
      for (let i = 0; i < n; i++) ring[i] = this.ring[(this.head + i) & this.mask]!;
      this.ring = ring;
      this.mask = ringCap - 1;
      this.head = 0;
      this.tail = n;
    }
    if (heap !== null) this.timers.move(heap, heapCap);
    this.gens = gens;
    this.states = state;
    this.freeStack = freeStack;
    this.mem32 = mem32;
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

  // ---- timers (timers.ts) --------------------------------------------------------------------

  pushTimer(slot: number, when: number): void {
    this.timers.push(slot, when);
    this.states[slot] = TIMER;
  }

  cancel(slot: number, gen: number): void {
    if (this.gens[slot] !== gen) return;
    const s = this.states[slot];
    if (s === TIMER) {
      this.states[slot] = CANCELLED_TIMER;
      this.timers.cancelled++;
    } else if (s === READY) {
      this.states[slot] = CANCELLED_READY;
    }
  }

  timerCount(): number {
    return this.timers.size;
  }

  cancelledCount(): number {
    return this.timers.cancelled;
  }

  // ---- the loop's crossings ------------------------------------------------------------------

  tick(now: number, resolution: number): number {
    // 1. the previous batch has run: free its slots
    const batch = this.mem32;
    for (let i = 0; i < this.batchLen; i++) this.freeSlot(batch[i]!);
    this.batchLen = 0;
    // 2. drop cancelled timers
    this.timers.dropCancelled();
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
    n = this.timers.popDue(now + resolution, out, n);
    this.head = this.tail = 0;
    this.batchLen = n;
    return n;
  }

  nextDeadline(): number {
    return this.timers.nextDeadline();
  }

  footprint(): number {
    return (
      this.mem32.byteLength + this.gens.byteLength + this.states.byteLength + this.freeStack.byteLength +
      this.ring.byteLength + this.timers.bytes()
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const empty32 = new Uint32Array(0);
    this.mem32 = this.gens = this.freeStack = this.ring = empty32;
    this.states = new Uint8Array(0);
    this.timers.clear();
    this.batchLen = this.head = this.tail = this.freeTop = this.nSlots = 0;
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
  // mem32, gens, freeStack (u32), state (u8); the ring (u32); the heap (timers.ts)
  return slots * (4 + 4 + 4 + 1) + ringCap * 4 + heapBytes(heapCap);
}

function resize32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}


export function createJsCore(opts?: JsCoreOptions): Core {
  return new JsCore(opts);
}
