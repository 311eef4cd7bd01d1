/**
 * The cross-thread inbox's consumer side, in the core's shared memory: the algorithm and layout of
 * bindings/core/inbox.ts (read that file's header first), with AssemblyScript atomics.
 *
 * Layout: the control block is the header's reserved inbox field, [H_INBOX, H_INBOX + 32): eight
 * i32 words C_* (byte offsets below, the same word numbers as inbox.ts). `inboxInit` allocates one
 * block of 2 * cap words: the ring (cap words, zeroed) and, after it, the drain area the consumer
 * copies committed records into, so the loop front reads them with plain loads after one call.
 * Producers (other threads) write with JS Atomics on the same memory: the same sequentially
 * consistent operations as wasm's, so the two interoperate.
 * Invariants (inbox.ts): ring words in [tail, head + cap) are 0; a record's header is its state
 * (0 unclaimed, -n claimed, n committed, n | ABANDONED given up: the values of inbox.ts), read
 * with an atomic load; the drain stops at the first header that is not positive, delivers a
 * committed record and skips (zeroes, never delivers) an abandoned one; the head is published
 * (atomic store) only after the consumed words are zeroed; the drain area holds at most cap words.
 * Giving a record up (a CAS on its header) is done by the JS side of the consumer (inbox.ts
 * abandonHead), on the same memory.
 * In the plain (unshared) build no other thread can see the memory, so plain loads and stores
 * stand in for the atomics (ASC_FEATURE_THREADS is a compile-time constant).
 */
import { H_INBOX, allocBlock, header } from './core';

const C_TAIL: usize = 0 << 2;
const C_HEAD: usize = 1 << 2;
const C_MASK: usize = 3 << 2;
const C_DATA: usize = 4 << 2;
const C_WAITERS: usize = 5 << 2;
const C_DRAIN: usize = 6 << 2;
const C_MAGIC: usize = 7 << 2;
const MAGIC: i32 = 0x776c6962; // 'wlib', as inbox.ts
const CLOSED: i32 = 1;
const POS_MASK: u32 = 0x7fffffff;
const ABANDONED: i32 = 0x40000000; // as inbox.ts

@inline function ctrl(): usize {
  return header() + <usize>H_INBOX;
}

@inline function aload(p: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.load<i32>(p);
  return load<i32>(p);
}

@inline function astore(p: usize, v: i32): void {
  if (ASC_FEATURE_THREADS) atomic.store<i32>(p, v);
  else store<i32>(p, v);
}

@inline function anotify(p: usize): void {
  if (ASC_FEATURE_THREADS) atomic.notify(p, i32.MAX_VALUE);
}

/** Creates the ring of `words` words (a power of two) once; 1 on success (or if it exists), 0 when memory is exhausted. */
export function inboxInit(words: u32): u32 {
  const c = ctrl();
  if (aload(c + C_MAGIC) == MAGIC) return 1;
  const bytes = <usize>words << 2;
  const block = allocBlock(bytes << 1);
  if (block == 0) return 0;
  memory.fill(block, 0, bytes); // a reused block may hold old data; the ring must start zeroed
  store<u32>(c + C_MASK, words - 1);
  store<u32>(c + C_DATA, <u32>(block >>> 2));
  store<u32>(c + C_DRAIN, <u32>((block + bytes) >>> 2));
  astore(c + C_MAGIC, MAGIC);
  return 1;
}

/**
 * Moves every committed record, in order, to the drain area, skips abandoned ones, zeroes their
 * ring words, publishes the new head and wakes producers waiting for room. Returns the number of
 * words moved.
 */
export function inboxDrain(): u32 {
  const c = ctrl();
  if (aload(c + C_MAGIC) != MAGIC) return 0;
  const mask = load<u32>(c + C_MASK);
  const cap = mask + 1;
  const ring = <usize>load<u32>(c + C_DATA) << 2;
  const out = <usize>load<u32>(c + C_DRAIN) << 2;
  const start = <u32>aload(c + C_HEAD);
  let head = start;
  let moved: u32 = 0;
  while (true) {
    const w = head & mask;
    const h = aload(ring + (<usize>w << 2));
    if (h <= 0) break; // not committed (or nothing) at the head
    const src = ring + (<usize>w << 2);
    if (h & ABANDONED) {
      const n = <u32>(h & ~ABANDONED);
      const first = min(n, cap - w);
      memory.fill(src, 0, <usize>first << 2);
      if (first < n) memory.fill(ring, 0, <usize>(n - first) << 2);
      head = (head + n) & POS_MASK;
      continue;
    }
    const n = <u32>h;
    if (moved + n > cap) break;
    const first = min(n, cap - w);
    memory.copy(out + (<usize>moved << 2), src, <usize>first << 2);
    memory.fill(src, 0, <usize>first << 2);
    if (first < n) {
      memory.copy(out + (<usize>(moved + first) << 2), ring, <usize>(n - first) << 2);
      memory.fill(ring, 0, <usize>(n - first) << 2);
    }
    moved += n;
    head = (head + n) & POS_MASK;
  }
  if (head == start) return 0;
  astore(c + C_HEAD, <i32>head);
  if (aload(c + C_WAITERS) > 0) anotify(c + C_HEAD);
  return moved;
}

/** Closes the inbox to new reservations; returns the tail position at closing. */
export function inboxClose(): u32 {
  const c = ctrl();
  let t: i32;
  if (ASC_FEATURE_THREADS) t = atomic.or<i32>(c + C_TAIL, CLOSED);
  else {
    t = load<i32>(c + C_TAIL);
    store<i32>(c + C_TAIL, t | CLOSED);
  }
  anotify(c + C_HEAD);
  return <u32>t >>> 1;
}
