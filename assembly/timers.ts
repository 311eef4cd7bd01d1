/**
 * The timer structure of the WebAssembly core: the algorithm and layout of bindings/core/timers.ts
 * (same names, same section order), over raw linear memory. assembly/core.ts calls it from
 * growSlots (heapBytes, timersMove), init (timersInit), tick (dropCancelled, popDue) and
 * nextDeadline (timersNextDeadline); flushTimers is a WebAssembly export (a full staging area).
 *
 * Layout
 *   heap     a 4-ary min-heap of 16-byte entries filling a block of 16 * cap bytes (heapBytes):
 *            when f64 at +0, slot u32 at +8, seq u32 at +12. Root at entry ROOT = 0: the children
 *            of entry p are 4p + 1 .. 4p + 4, 64 contiguous bytes, so a pop touches ~log4(n)
 *            groups (one or two cache lines each: the block is only 16-aligned). The same
 *            logical tree as timers.ts's (whose root is entry 3 and children 4p - 8 .. 4p - 5). The whole key (when, seq) is in the entry: a tie is settled
 *            without a load elsewhere (the seq used to live in a per-slot f64 array: 8 bytes a
 *            slot and a random load per tie). Size in the header (H_HEAP_SIZE).
 *   staging  when f64[STAGE_CAP], slot u32[STAGE_CAP]: timers pushed by JS (WasmCore.pushTimer, no
 *            crossing), merged by flushTimers at the next tick or nextDeadline, or when full.
 * Invariants
 *   - heap order: parent (when, seq) < child (when, seq); seq strictly grows and is assigned at
 *     flush in staging order, which is push order, so equal deadlines keep scheduling order;
 *   - seq < 2^32: when the counter reaches SEQ_LIMIT, renumber() rewrites every entry's seq to its
 *     rank in (when, seq) order (in-place heapsort: no allocation), which keeps every order and
 *     leaves a sorted array, itself a heap; the counter goes on from the heap's size;
 *   - the heap holds cap entries (it grows with the slot table, timersMove), so flushTimers,
 *     dropCancelled and popDue never allocate and cannot fail: only growSlots may run out of memory;
 *   - cancelled = number of CANCELLED_TIMER slots, in the heap or in staging; everything JS stages
 *     (cancelled or not) enters the heap, so counts match JsCore's.
 * Costs (cachegrind, W4 at 1M random deadlines, set-up subtracted; bench/README.md): push O(1)
 * staged + O(1) expected sift-up, ~310 instructions with the JS side's alloc and staging; pop
 * O(log4 n), ~930 instructions for ~10 levels and ~12 L1-data misses an element (JS core: 1,735
 * instructions an element in all, flatqueue 1,442 with 22 misses). Past the L2 (2 MiB a core
 * here) the deepest levels of each pop wait on L3: ~270 ns a pop on a quiet machine. 16 bytes a
 * timer, in a block of exactly 16 * cap bytes (WASM footprint at 500k pending: 59 bytes a timer
 * with the slot arrays and the allocator's spare blocks, 101 before).
 * Why not a timing wheel (yet): see bench/README.md, "WASM against JS" and the W4 paragraph.
 */
import { H_CANCELLED, H_HEAP_SIZE, H_STAGE_CAP, H_STAGE_COUNT, H_STAGE_SLOT, H_STAGE_WHEN, H_STATE, S_CANCELLED_TIMER, S_RUNNING, allocBlock, freeBlock, freeSlot, header } from './core';

// ---- layout ------------------------------------------------------------------------------------

const ROOT: u32 = 0;
/**
 * 4 children a node. 8 measured worse: W4 at 1M under cachegrind, 2.27 G instructions against
 * 2.07 G for 4, with the same D1 misses (14.8 M); the fewer levels do not pay for the comparisons.
 */
const ARITY_LOG: u32 = 2;
const ARITY: u32 = 1 << ARITY_LOG;

@inline function firstChild(p: u32): u32 {
  return (p << ARITY_LOG) + 1;
}

@inline function parentOf(p: u32): u32 {
  return (p - 1) >> ARITY_LOG;
}
const STAGE_CAP: u32 = 512;
const MIN_SCHEDULED_TIMER_HANDLES: u32 = 100;
const SEQ_LIMIT: u64 = 1 << 32;

let heapBlock: usize = 0; // the heap's block, as allocated
let heap: usize = 0; //      its entry 0 (= heapBlock, ROOT = 0)
let heapCap: u32 = 0;
let stageWhen: usize = 0;
let stageSlot: usize = 0;
let seq: u64 = 0;

@inline function hdr(off: u32): u32 {
  return load<u32>(header() + off);
}

@inline function setHdr(off: u32, v: u32): void {
  store<u32>(header() + off, v);
}

@inline function stateOf(slot: u32): u8 {
  return load<u8>(<usize>hdr(H_STATE) + slot);
}

@inline function setState(slot: u32, s: u8): void {
  store<u8>(<usize>hdr(H_STATE) + slot, s);
}

/**
 * Bytes of the heap block for `cap` entries: exactly 16 * cap, a power of two when cap is one, so
 * the block fills its allocator size class. Aligning each node's children to 64 bytes, as before
 * (root at entry 3), needed 16 * (cap + 3) + 48 bytes, which the allocator rounds up to 32 * cap:
 * 16 bytes a slot of padding (WASM footprint at 500k pending timers 92 -> 59 bytes a timer) for no
 * measurable gain on W4 (same run, 7 rounds: 361 aligned, 342 not, ns per element).
 */
export function heapBytes(cap: u32): usize {
  return <usize>cap << 4;
}

// ---- entries -----------------------------------------------------------------------------------
// Entry p lives at heap + 16p. Every entry index below is < ROOT + heap size <= ROOT + cap.

@inline function whenAt(p: u32): f64 {
  return load<f64>(heap + (<usize>p << 4));
}

@inline function slotAt(p: u32): u32 {
  return load<u32>(heap + (<usize>p << 4), 8);
}

@inline function seqAt(p: u32): u32 {
  return load<u32>(heap + (<usize>p << 4), 12);
}

@inline function entrySet(p: u32, when: f64, slot: u32, sq: u32): void {
  const at = heap + (<usize>p << 4);
  store<f64>(at, when);
  store<u32>(at, slot, 8);
  store<u32>(at, sq, 12);
}

/** Copies entry `from` to entry `to` (the slot and seq as one u64). */
@inline function entryMove(to: u32, from: u32): void {
  const a = heap + (<usize>from << 4);
  const b = heap + (<usize>to << 4);
  store<f64>(b, load<f64>(a));
  store<u64>(b, load<u64>(a, 8), 8);
}

// ---- sifts -------------------------------------------------------------------------------------

/** Puts (when, slot, seq) at logical position i or above it. */
function siftUp(i: u32, when: f64, slot: u32, sq: u32): void {
  let p = i + ROOT;
  while (p > ROOT) {
    const parent = parentOf(p);
    const pw = whenAt(parent);
    if (pw < when || (pw == when && seqAt(parent) < sq)) break;
    entryMove(p, parent);
    p = parent;
  }
  entrySet(p, when, slot, sq);
}

/** The lesser by (when, seq) of entries a and b (keys are unique: any order of comparisons finds the same least). */
@inline function lesser(a: u32, b: u32): u32 {
  const aw = whenAt(a);
  const bw = whenAt(b);
  return select<u32>(b, a, bw < aw || (bw == aw && seqAt(b) < seqAt(a)));
}

/**
 * The least (by when, then seq) of the up to four children from entry `first`, in a heap ending
 * before entry `end`. A full group is a two-round tournament: its two first comparisons are
 * independent, so they overlap (cachegrind, W4 at 1M: see the header's costs).
 */
@inline function leastChild(first: u32, end: u32): u32 {
  if (ARITY == 4 && first + 3 < end) return lesser(lesser(first, first + 1), lesser(first + 2, first + 3));
  let best = first;
  let bw = whenAt(first);
  const last = first + ARITY - 1 < end ? first + ARITY - 1 : end - 1;
  for (let c = first + 1; c <= last; c++) {
    const cw = whenAt(c);
    if (cw < bw || (cw == bw && seqAt(c) < seqAt(best))) {
      best = c;
      bw = cw;
    }
  }
  return best;
}

/** Puts (when, slot, seq) at logical position i or below it, in a heap of `size` entries. */
function siftDown(i: u32, when: f64, slot: u32, sq: u32, size: u32): void {
  const end = size + ROOT;
  let p = i + ROOT;
  while (true) {
    const first = firstChild(p);
    if (first >= end) break;
    const best = leastChild(first, end);
    const bw = whenAt(best);
    if (when < bw || (when == bw && sq < seqAt(best))) break;
    entryMove(p, best);
    p = best;
  }
  entrySet(p, when, slot, sq);
}

/**
 * Removes the top (size > 0) and returns its slot. Bottom-up: the hole left at the root moves down
 * to a leaf along the least children, then the last entry sifts up from there. The last entry
 * usually belongs near the bottom, so this spares the comparison with it at every level that a
 * plain sift-down makes.
 */
function popTop(): u32 {
  const top = slotAt(ROOT);
  const last = hdr(H_HEAP_SIZE) - 1;
  setHdr(H_HEAP_SIZE, last);
  if (last > 0) {
    const end = last + ROOT;
    let p = ROOT;
    while (true) {
      const first = firstChild(p);
      if (first >= end) break;
      const best = leastChild(first, end);
      entryMove(p, best);
      p = best;
    }
    siftUp(p - ROOT, whenAt(end), slotAt(end), seqAt(end));
  }
  return top;
}

/**
 * Rewrites every seq to its rank in (when, seq) order: an in-place heapsort (each popped entry goes
 * to the place the heap just gave up, so the array ends in descending order), then a reversal. A
 * sorted array is a heap. Runs once every 2^32 timers; never allocates.
 */
function renumber(): void {
  const size = hdr(H_HEAP_SIZE);
  for (let n = size; n > 1; n--) {
    const when = whenAt(ROOT);
    const slot = slotAt(ROOT);
    const sq = seqAt(ROOT);
    popTop();
    entrySet(n - 1 + ROOT, when, slot, sq);
  }
  setHdr(H_HEAP_SIZE, size);
  for (let i: u32 = 0, j = size - 1; i < size; i++, j--) {
    if (i < j) {
      const when = whenAt(i + ROOT);
      const slot = slotAt(i + ROOT);
      entryMove(i + ROOT, j + ROOT);
      entrySet(j + ROOT, when, slot, 0);
    }
  }
  for (let i: u32 = 0; i < size; i++) store<u32>(heap + (<usize>(i + ROOT) << 4), i, 12);
  seq = size;
}

// ---- cancelled timers --------------------------------------------------------------------------

/** Pops cancelled timers off the top, freeing their slots. */
function popCancelledTops(): void {
  while (hdr(H_HEAP_SIZE) > 0 && stateOf(slotAt(ROOT)) == S_CANCELLED_TIMER) {
    freeSlot(popTop());
    setHdr(H_CANCELLED, hdr(H_CANCELLED) - 1);
  }
}

/** asyncio's compaction rule (core/types.ts): with at least 100 timers, more than half cancelled, rebuild; else pop tops. */
export function dropCancelled(): void {
  const cancelled = hdr(H_CANCELLED);
  if (cancelled == 0) return;
  const size = hdr(H_HEAP_SIZE);
  if (size < MIN_SCHEDULED_TIMER_HANDLES || cancelled * 2 <= size) {
    popCancelledTops();
    return;
  }
  // rebuild without the cancelled timers (in entry order, as timers.ts), then heapify in O(n)
  let k = ROOT;
  const end = size + ROOT;
  for (let p = ROOT; p < end; p++) {
    const slot = slotAt(p);
    if (stateOf(slot) == S_CANCELLED_TIMER) {
      freeSlot(slot);
    } else {
      entryMove(k++, p);
    }
  }
  const kept = k - ROOT;
  setHdr(H_HEAP_SIZE, kept);
  setHdr(H_CANCELLED, 0);
  if (kept >= 2) {
    for (let i = <i32>((kept - 2) >> ARITY_LOG); i >= 0; i--) {
      const p = <u32>i + ROOT;
      siftDown(<u32>i, whenAt(p), slotAt(p), seqAt(p), kept);
    }
  }
}

// ---- staging -----------------------------------------------------------------------------------

/**
 * Merges the staging area into the heap in staging order, assigning seq now. Cancelled entries go
 * in too, exactly as timers.ts's push puts them in its heap, so both cores drop them at the same
 * tick and report the same counts.
 */
export function flushTimers(): void {
  const count = hdr(H_STAGE_COUNT); // <= STAGE_CAP, and heap size + count <= cap
  if (count == 0) return;
  for (let i: u32 = 0; i < count; i++) {
    if (seq >= SEQ_LIMIT) renumber();
    const size = hdr(H_HEAP_SIZE);
    siftUp(size, load<f64>(stageWhen + (<usize>i << 3)), load<u32>(stageSlot + (<usize>i << 2)), <u32>seq);
    setHdr(H_HEAP_SIZE, size + 1);
    seq++;
  }
  setHdr(H_STAGE_COUNT, 0);
}

/** Test hook: moves the seq counter (to reach SEQ_LIMIT and renumber() without 2^32 timers). */
export function timersSetSeq(v: f64): void {
  flushTimers();
  seq = <u64>v;
}

// ---- growth ------------------------------------------------------------------------------------

/** Allocates the staging area (init); false when the memory cannot grow. */
export function timersInit(): bool {
  stageWhen = allocBlock(<usize>STAGE_CAP << 3);
  stageSlot = allocBlock(<usize>STAGE_CAP << 2);
  if (!stageWhen || !stageSlot) return false;
  setHdr(H_STAGE_WHEN, <u32>stageWhen);
  setHdr(H_STAGE_SLOT, <u32>stageSlot);
  setHdr(H_STAGE_CAP, STAGE_CAP);
  return true;
}

/** Moves the heap into `block` (heapBytes(cap) bytes, from growSlots, which cannot fail after this) and frees the old one. */
export function timersMove(block: usize, cap: u32): void {
  const hp = block - (<usize>ROOT << 4); // entries ROOT .. ROOT + cap - 1 fill the block
  const size = hdr(H_HEAP_SIZE);
  if (size > 0) memory.copy(hp + (<usize>ROOT << 4), heap + (<usize>ROOT << 4), <usize>size << 4);
  if (heapBlock != 0) freeBlock(heapBlock, heapBytes(heapCap));
  heapBlock = block;
  heap = hp;
  heapCap = cap;
}

// ---- expiry ------------------------------------------------------------------------------------

/**
 * Appends every live timer with when <= end to the batch from index n, in (when, seq) order, marked
 * RUNNING; frees the cancelled ones met on the way. Returns the new batch length.
 */
export function popDue(end: f64, batch: usize, n: u32): u32 {
  while (hdr(H_HEAP_SIZE) > 0 && whenAt(ROOT) <= end) {
    const slot = popTop();
    if (stateOf(slot) == S_CANCELLED_TIMER) {
      setHdr(H_CANCELLED, hdr(H_CANCELLED) - 1);
      freeSlot(slot);
    } else {
      store<u32>(batch + (<usize>n << 2), slot);
      setState(slot, S_RUNNING);
      n++;
    }
  }
  return n;
}

/** Earliest `when` among live timers, or Infinity; drops cancelled tops. */
export function timersNextDeadline(): f64 {
  flushTimers();
  popCancelledTops();
  return hdr(H_HEAP_SIZE) > 0 ? whenAt(ROOT) : Infinity;
}
