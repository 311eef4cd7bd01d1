/**
 * The WebAssembly scheduling core: bindings/core/js.ts's algorithms over raw linear memory, in the
 * same sections under the same names (slots, ring and batch, the timers — in timers.ts —, the loop's crossings, the
 * cross-thread inbox). Compiled with `--runtime stub --importMemory` (see asconfig.json): no GC,
 * this file owns memory. The contract both cores keep: bindings/core/types.ts.
 *
 * Layout of the imported memory (every pointer is a byte address, every count a u32):
 *   header   HEADER_SIZE bytes at header() (field offsets H_* below), then the free-list heads
 *   blocks   power-of-two blocks (16 bytes and up, 16-aligned) cut from a bump pointer that grows
 *            the memory; a freed block goes on its size class's free list and serves the next
 *            request of that class (after a doubling, the old f64 arrays serve the next u32 ones;
 *            what is never reused is bounded by a geometric series: less than the live arrays)
 *   slots    gens u32[cap], states u8[cap] (S_*), freeStack u32[cap] with its top in the header
 *   ring     u32[ringCap] of slots, entries at [head, tail) & mask
 *   batch    u32[ringCap]: the slots handed out by the last tick; a grown batch waits in
 *            `batchNext` until the next tick, so the current one never moves while it runs
 *   timers   the heap and the staging area: assembly/timers.ts (layout, invariants, costs)
 *   The loop front (bindings/loop.ts) keeps what runs for each slot (callback, arguments, context)
 *   in its own tables by slot: this memory holds integers only.
 *
 * Invariants:
 *   - cap <= maxSlots (the loop's maxEntries, set by init); the ring's capacity is a power of two;
 *   - a slot is in exactly one of: free stack (S_FREE), ring (S_READY/S_CANCELLED_READY), heap or
 *     staging (S_TIMER/S_CANCELLED_TIMER), batch (S_RUNNING); so freeTop, ring length, heap size +
 *     staged count and batch length are each <= cap;
 *   - a slot's generation (gens) changes only when it is freed: a stale (slot, gen) cancels nothing;
 *   - ringCap >= cap and the heap holds cap entries, so flushTimers and tick never allocate and
 *     cannot fail: only growSlots/growRing may run out of memory, and they change nothing then;
 *   - the timers' own invariants (heap order, seq, cancelled): assembly/timers.ts;
 *   - H_EPOCH changes after every successful memory.grow and nothing else moves memory: JS keeps
 *     typed-array views while it is unchanged.
 * Raw load/store does no bounds check; each access below is in bounds by the invariant it cites.
 *
 * Costs:
 *   - per callback, nothing crosses into WebAssembly: alloc, gen, pushReady, pushTimer, cancel
 *     are loads and stores JS makes on views of this memory (bindings/core/wasm.ts); growth is the
 *     only crossing besides the iteration's one `tick` (and `nextDeadline` when the loop idles);
 *   - tick: O(batch) for the ring, O(log4 n) per fired or dropped timer; a rebuild is O(n) and
 *     happens when more than half of at least 100 timers are cancelled (asyncio's rule);
 *   - one slot's life for a ready callback (alloc, pushReady, the tick that hands it out, the
 *     tick that frees it) is ~20 loads and stores on the views plus its share of the crossing:
 *     W1s (one callback per iteration) measured ~790 instructions per callback under callgrind
 *     through the whole loop, the JS core ~690, the FIFO floor 61 (issue 15's second round: V8
 *     inlines alloc and pushReady into callSoon only while they stay small, so their rare cases
 *     are out of line in bindings/core/wasm.ts; it was ~1,030 when they were not); doing the ring-only tick in
 *     JS on the views instead of crossing measured ~100 instructions more (the views' loads cost
 *     more than the call), so the tick stays here (bench/README.md has the workloads).
 */

import { dropCancelled, flushTimers, heapBytes, popDue, timersInit, timersMove, timersNextDeadline } from './timers';

// ---- header: byte offsets from header(), all u32 (exported so JS can check its copy) ----------
export const H_EPOCH: u32 = 0; //        bumped on every successful memory.grow
export const H_ERROR: u32 = 4; //        why the last growth failed (E_*)
export const H_SLOTS: u32 = 8; //        slot capacity (cap)
export const H_GEN: u32 = 12; //         -> gen u32[cap]
export const H_STATE: u32 = 16; //       -> state u8[cap]
export const H_FREE: u32 = 20; //        -> free stack u32[cap]
export const H_FREE_TOP: u32 = 24;
export const H_RING: u32 = 28; //        -> ring u32[mask + 1]
export const H_RING_MASK: u32 = 32;
export const H_RING_HEAD: u32 = 36;
export const H_RING_TAIL: u32 = 40;
export const H_STAGE_WHEN: u32 = 44; //  -> staging when f64[STAGE_CAP]
export const H_STAGE_SLOT: u32 = 48; //  -> staging slot u32[STAGE_CAP]
export const H_STAGE_COUNT: u32 = 52;
export const H_STAGE_CAP: u32 = 56;
export const H_BATCH: u32 = 60; //       -> batch u32[>= ring length at tick]
export const H_BATCH_LEN: u32 = 64;
export const H_CANCELLED: u32 = 68;
export const H_HEAP_SIZE: u32 = 72;
/** [H_INBOX, HEADER_SIZE) is reserved for a cross-thread inbox in the same shared memory. */
export const H_INBOX: u32 = 128;
export const HEADER_SIZE: u32 = 256;

// ---- slot states (the same numbers as FREE … RUNNING in bindings/core/js.ts) ------------------
export const S_FREE: u8 = 0;
export const S_READY: u8 = 1;
export const S_TIMER: u8 = 2;
export const S_CANCELLED_TIMER: u8 = 3;
export const S_CANCELLED_READY: u8 = 4;
export const S_RUNNING: u8 = 5;

// ---- error codes (H_ERROR; 0 until a growth fails) -------------------------------------------
export const E_MEMORY: u32 = 1; //       memory.grow failed: the memory is at its maximum
export const E_LIMIT: u32 = 2; //        maxSlots (the loop's maxEntries) reached

const INITIAL_SLOTS: u32 = 64;
const MAX_SLOTS: u32 = 1 << 26; // core/types.ts MAX_ENTRIES; keeps every block < 2^30 bytes

const HEADER: usize = memory.data(<i32>HEADER_SIZE, 16);
const MIN_CLASS: u32 = 4; // 16-byte blocks
const FREE_LISTS: usize = memory.data(32 << 2, 16); // head of the free list of each size class

// Pointers JS only reads through the header are mirrored here for the hot loops.
let bump: usize = 0;
let gens: usize = 0;
let states: usize = 0;
let freeStack: usize = 0;
let batchNext: usize = 0; // a grown batch, adopted by the next tick (0: none)
let batchCap: u32 = 0;
let batchNextCap: u32 = 0;
let maxSlots: u32 = MAX_SLOTS; // the loop's maxEntries (init), <= MAX_SLOTS

@inline function hdr(off: u32): u32 {
  return load<u32>(HEADER + off);
}

@inline function setHdr(off: u32, v: u32): void {
  store<u32>(HEADER + off, v);
}

/** The header's address (constant for the module's life). */
export function header(): usize {
  return HEADER;
}

// ---- allocator ---------------------------------------------------------------------------------

@inline function sizeClass(bytes: usize): u32 {
  return bytes <= (1 << MIN_CLASS) ? MIN_CLASS : 32 - clz<u32>(<u32>bytes - 1);
}

function fail(code: u32): usize {
  setHdr(H_ERROR, code);
  return 0;
}

/** A block of at least `bytes` bytes (16-aligned), or 0 when the memory cannot grow. */
export function allocBlock(bytes: usize): usize {
  const cls = sizeClass(bytes);
  const list = FREE_LISTS + (cls << 2);
  const head = load<u32>(list);
  if (head != 0) {
    store<u32>(list, load<u32>(head));
    return head;
  }
  const block = bump;
  const end = block + (<usize>1 << cls);
  if (end < block) return fail(E_MEMORY); // past 4 GiB
  const have = <usize>memory.size() << 16;
  if (end > have) {
    if (memory.grow(<i32>(((end - have - 1) >>> 16) + 1)) < 0) return fail(E_MEMORY);
    setHdr(H_EPOCH, hdr(H_EPOCH) + 1);
  }
  bump = end;
  return block;
}

export function freeBlock(block: usize, bytes: usize): void {
  if (block == 0) return;
  const list = FREE_LISTS + (sizeClass(bytes) << 2);
  store<u32>(block, load<u32>(list));
  store<u32>(list, <u32>block);
}

// ---- slots -------------------------------------------------------------------------------------

/** Returns a slot to the free stack with a new generation (freeTop < cap: a slot is freed once). */
export function freeSlot(slot: u32): void {
  const g = gens + (<usize>slot << 2);
  store<u32>(g, load<u32>(g) + 1);
  store<u8>(states + slot, S_FREE);
  const top = hdr(H_FREE_TOP);
  store<u32>(freeStack + (<usize>top << 2), slot);
  setHdr(H_FREE_TOP, top + 1);
}

/** Frees one set of per-slot arrays of `cap` entries (a 0 pointer is skipped). */
function freeSlotArrays(g: usize, st: usize, fs: usize, hb: usize, cap: u32): void {
  freeBlock(g, <usize>cap << 2);
  freeBlock(st, cap);
  freeBlock(fs, <usize>cap << 2);
  freeBlock(hb, heapBytes(cap));
}

/** The least power of two >= n (1 <= n <= 2^31). */
@inline function pow2AtLeast(n: u32): u32 {
  return n <= 1 ? 1 : <u32>1 << (32 - clz<u32>(n - 1));
}

/**
 * Doubles the slot table, up to maxSlots (and with it the heap and, when needed, the ring, whose
 * capacity stays a power of two). 0 on failure, with nothing changed.
 */
export function growSlots(): u32 {
  const old = hdr(H_SLOTS);
  if (old >= maxSlots) return <u32>fail(E_LIMIT);
  const want = old == 0 ? INITIAL_SLOTS : old << 1;
  const cap = want < maxSlots ? want : maxSlots;
  const g = allocBlock(<usize>cap << 2);
  const st = allocBlock(cap);
  const fs = allocBlock(<usize>cap << 2);
  const hb = allocBlock(heapBytes(cap));
  if (!g || !st || !fs || !hb || ((hdr(H_RING) == 0 || hdr(H_RING_MASK) + 1 < cap) && !resizeRing(pow2AtLeast(cap)))) {
    freeSlotArrays(g, st, fs, hb, cap);
    return 0;
  }
  const top = hdr(H_FREE_TOP);
  memory.copy(g, gens, <usize>old << 2);
  memory.fill(g + (<usize>old << 2), 0, <usize>(cap - old) << 2);
  memory.copy(st, states, old);
  memory.fill(st + old, S_FREE, cap - old);
  memory.copy(fs, freeStack, <usize>top << 2);
  timersMove(hb, cap);
  // new slots go on the free stack so that the lowest is taken first (top + cap - old <= cap)
  let t = top;
  for (let slot = cap; slot > old; t++) store<u32>(fs + (<usize>t << 2), --slot);
  freeSlotArrays(gens, states, freeStack, 0, old);
  gens = g;
  states = st;
  freeStack = fs;
  setHdr(H_GEN, <u32>g);
  setHdr(H_STATE, <u32>st);
  setHdr(H_FREE, <u32>fs);
  setHdr(H_FREE_TOP, t);
  setHdr(H_SLOTS, cap);
  return 1;
}

// ---- ring and batch ----------------------------------------------------------------------------

/** Moves the ring to a block of `cap` entries and readies a batch of the same size. */
function resizeRing(cap: u32): bool {
  const r = allocBlock(<usize>cap << 2);
  const b = allocBlock(<usize>cap << 2);
  if (!r || !b) {
    freeBlock(r, <usize>cap << 2);
    freeBlock(b, <usize>cap << 2);
    return false;
  }
  const old = <usize>hdr(H_RING);
  const mask = hdr(H_RING_MASK);
  const head = hdr(H_RING_HEAD);
  const n = hdr(H_RING_TAIL) - head; // n <= mask + 1 <= cap
  for (let i: u32 = 0; i < n; i++) {
    store<u32>(r + (<usize>i << 2), load<u32>(old + (<usize>((head + i) & mask) << 2)));
  }
  if (old != 0) freeBlock(old, <usize>(mask + 1) << 2);
  setHdr(H_RING, <u32>r);
  setHdr(H_RING_MASK, cap - 1);
  setHdr(H_RING_HEAD, 0);
  setHdr(H_RING_TAIL, n);
  freeBlock(batchNext, <usize>batchNextCap << 2);
  batchNext = b;
  batchNextCap = cap;
  return true;
}

/** Doubles the ring (only needed if a slot is pushed twice: ringCap >= cap otherwise). */
export function growRing(): u32 {
  const cap = (hdr(H_RING_MASK) + 1) << 1;
  if (cap > MAX_SLOTS << 1) return <u32>fail(E_LIMIT);
  return resizeRing(cap) ? 1 : 0;
}

/** Swaps in a batch grown since the last tick (the current one is no longer read). */
function adoptBatch(): void {
  if (batchNext == 0) return;
  freeBlock(hdr(H_BATCH), <usize>batchCap << 2);
  setHdr(H_BATCH, <u32>batchNext);
  batchCap = batchNextCap;
  batchNext = 0;
}

// ---- the loop's crossings ----------------------------------------------------------------------

/** Sets up an empty core that holds at most `max` slots (1 <= max <= MAX_SLOTS). 0 when the memory is too small for it. */
export function init(max: u32): u32 {
  maxSlots = max < 1 ? 1 : max > MAX_SLOTS ? MAX_SLOTS : max;
  bump = (__heap_base + 15) & ~15;
  if (!timersInit() || !growSlots()) return 0;
  adoptBatch();
  return 1;
}

/** One iteration's scheduling step, as JsCore.tick; returns the batch length. */
export function tick(now: f64, resolution: f64): u32 {
  flushTimers();
  // 1. the previous batch has run: free its slots
  let batch = <usize>hdr(H_BATCH);
  const len = hdr(H_BATCH_LEN);
  for (let i: u32 = 0; i < len; i++) freeSlot(load<u32>(batch + (<usize>i << 2)));
  adoptBatch();
  batch = <usize>hdr(H_BATCH);
  // 2. drop cancelled timers
  dropCancelled();
  // 3 and 4. the ring, then every expired timer in (when, seq) order, become the batch, as in
  // JsCore.tick (batch length <= cap <= batchCap after adoptBatch: all are distinct slots)
  const ring = <usize>hdr(H_RING);
  const mask = hdr(H_RING_MASK);
  const head = hdr(H_RING_HEAD);
  const inRing = hdr(H_RING_TAIL) - head;
  let n: u32 = 0;
  for (; n < inRing; n++) {
    const slot = load<u32>(ring + (<usize>((head + n) & mask) << 2));
    store<u32>(batch + (<usize>n << 2), slot);
    store<u8>(states + slot, S_RUNNING);
  }
  n = popDue(now + resolution, batch, n);
  setHdr(H_RING_HEAD, 0);
  setHdr(H_RING_TAIL, 0);
  setHdr(H_BATCH_LEN, n);
  return n;
}

/** Earliest `when` among live timers, or Infinity; drops cancelled tops. */
export function nextDeadline(): f64 {
  return timersNextDeadline();
}

// ---- the timer structure (assembly/timers.ts) --------------------------------------------
export { flushTimers, timersSetSeq } from './timers';

// ---- the cross-thread inbox (assembly/inbox.ts) -------------------------------------------
export { inboxInit, inboxDrain, inboxClose } from './inbox';
