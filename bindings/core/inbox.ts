/**
 * The cross-thread inbox: a bounded, lock-free, multi-producer single-consumer queue of
 * variable-length records in shared memory. The same algorithm runs here (JS `Atomics`: every
 * producer, and the JS core's consumer) and in assembly/inbox.ts (the WASM core's consumer).
 *
 * Layout: a control block of CTRL_WORDS i32 words (C_* below) and a ring of `cap` i32 words
 * (cap a power of two). For the WASM core both live in the core's memory (control block at
 * header() + H_INBOX); for the JS core, in SharedArrayBuffers of their own.
 *   C_TAIL     (reserved position << 1) | CLOSED; positions count words modulo 2^31
 *   C_HEAD     consumed position (words), modulo 2^31; producers wait on it when full
 *   C_WAKE     1 while the owning loop sleeps (or is about to); whoever adds work sets 0 and notifies
 *   C_MASK     cap - 1
 *   C_DATA     word index of ring[0] in the ring's buffer
 *   C_WAITERS  producers waiting for room
 *   C_DRAIN    word index of the drain area (WASM core: the consumer copies records there)
 *   C_MAGIC    MAGIC once the ring exists
 * A record is `n` consecutive words from position p (wrapping at cap): ring[p] = n (its header,
 * written last with an atomic store: non-zero means committed), ring[p+1] = payload byte length,
 * then the payload bytes, padded to a word.
 * Invariants:
 *   - head <= tail and tail - head <= cap (modulo 2^31): producers reserve with a CAS on C_TAIL
 *     only when the record fits, so a reservation never overwrites an unconsumed word;
 *   - every ring word in [tail, head + cap) is 0: the consumer zeroes what it consumed before it
 *     publishes the new head, so an uncommitted header reads 0 and the consumer stops there;
 *   - records are consumed in reservation order, which is each producer's submission order;
 *   - once CLOSED is set no reservation succeeds; close() then waits for every earlier
 *     reservation to be committed and consumes it, so nothing reserved is left unseen.
 */
import { host } from '../hosts/index.js';

export const CTRL_WORDS = 8;
export const C_TAIL = 0;
export const C_HEAD = 1;
export const C_WAKE = 2;
export const C_MASK = 3;
export const C_DATA = 4;
export const C_WAITERS = 5;
export const C_DRAIN = 6;
export const C_MAGIC = 7;
export const MAGIC = 0x776c6962; // 'wlib'
export const CLOSED = 1;
export const POS_MASK = 0x7fffffff;
/** Default ring size: 1 MiB. */
export const DEFAULT_INBOX_BYTES = 1 << 20;
export const MIN_INBOX_BYTES = 1 << 12;
/** Words a record of `bytes` payload bytes takes. */
export function recordWords(bytes: number): number {
  return 2 + ((bytes + 3) >>> 2);
}

/** The ring size in words for a requested byte size: a power of two within bounds. */
export function inboxWords(bytes: number | undefined): number {
  if (bytes === undefined) return DEFAULT_INBOX_BYTES >>> 2;
  if (typeof bytes !== 'number') throw new TypeError(`inboxBytes must be a number, got ${typeof bytes}`);
  if (!Number.isInteger(bytes) || bytes < MIN_INBOX_BYTES || bytes > 1 << 28)
    throw new RangeError(`inboxBytes must be an integer from ${MIN_INBOX_BYTES} to ${1 << 28}, got ${String(bytes)}`);
  let w = 1;
  while (w * 4 < bytes) w *= 2;
  return w;
}

/** Views a producer or consumer needs: the control block and the ring, possibly in different buffers. */
export interface InboxViews {
  /** i32 view of the control block's buffer; the block starts at word `ctrl`. */
  c: Int32Array;
  ctrl: number;
  /** i32 and u8 views of the ring's buffer; ring[0] is word `data`. */
  r: Int32Array;
  r8: Uint8Array;
  data: number;
  mask: number;
}

/** Views over a control block (and the ring it names, in `ringBuffer`). */
export function inboxViews(ctrlBuffer: ArrayBufferLike, ctrl: number, ringBuffer: ArrayBufferLike): InboxViews {
  const c = new Int32Array(ctrlBuffer);
  if (Atomics.load(c, ctrl + C_MAGIC) !== MAGIC) throw new TypeError('not a wasmloop inbox (the port is stale or malformed)');
  return { c, ctrl, r: new Int32Array(ringBuffer), r8: new Uint8Array(ringBuffer), data: Atomics.load(c, ctrl + C_DATA), mask: Atomics.load(c, ctrl + C_MASK) };
}

/** Sets up a control block for a ring of `words` words at word `data` (all zero beforehand). */
export function initInbox(c: Int32Array, ctrl: number, data: number, words: number, drain: number): void {
  c[ctrl + C_MASK] = words - 1;
  c[ctrl + C_DATA] = data;
  c[ctrl + C_DRAIN] = drain;
  Atomics.store(c, ctrl + C_MAGIC, MAGIC);
}

/** Outcome of `tryReserve`: a position, or why not. */
export const RESERVE_FULL = -1;
export const RESERVE_CLOSED = -2;

/**
 * Reserves `n` words (n <= cap). Returns the record's position, RESERVE_FULL (not enough room;
 * `seen.head` is the head value to wait on) or RESERVE_CLOSED.
 *
 * The head is read BEFORE the tail. Read after it, the head may have passed the tail value just
 * read (other producers reserved and committed, and the consumer drained it all, in between), and
 * the distance `tail - head` wraps to ~2^31: a spurious "full" that sends the producer to wait
 * for a head that may never move again (a hang), or throws QueueFull at an empty inbox. Read
 * before, the head is at most the tail, so a stale head only overstates how full the ring is,
 * and waiting on it returns at once because the head has moved on.
 */
export function tryReserve(v: InboxViews, n: number, seen: { head: number }): number {
  const c = v.c;
  const tailAt = v.ctrl + C_TAIL;
  for (;;) {
    const head = Atomics.load(c, v.ctrl + C_HEAD);
    const t = Atomics.load(c, tailAt);
    if (t & CLOSED) return RESERVE_CLOSED;
    const pos = t >>> 1;
    if (((pos - head) & POS_MASK) + n > v.mask + 1) {
      seen.head = head;
      return RESERVE_FULL;
    }
    if (Atomics.compareExchange(c, tailAt, t, (((pos + n) & POS_MASK) << 1) | 0) === t) return pos;
  }
}

/**
 * Reserves `n` words, waiting in Atomics.wait for room (the calling thread must be allowed to
 * block) until `deadline` (a `now()` value; Infinity for no limit). Returns the position,
 * RESERVE_CLOSED, or RESERVE_FULL when the deadline passed with no room. Counts itself in
 * C_WAITERS while it waits, so the consumer knows to notify C_HEAD when it frees room: the
 * count is raised before the head is read (by tryReserve), and the consumer publishes the head
 * before it reads the count, so either the consumer sees the waiter and notifies, or the waiter
 * sees the new head (and Atomics.wait returns at once on a changed value).
 */
export function reserveWaiting(v: InboxViews, n: number, seen: { head: number }, deadline: number, now: () => number): number {
  const { c, ctrl } = v;
  Atomics.add(c, ctrl + C_WAITERS, 1);
  try {
    for (;;) {
      const pos = tryReserve(v, n, seen);
      if (pos !== RESERVE_FULL) return pos;
      const left = deadline - now();
      if (left <= 0) return RESERVE_FULL;
      Atomics.wait(c, ctrl + C_HEAD, seen.head, left === Infinity ? undefined : left);
    }
  } finally {
    Atomics.sub(c, ctrl + C_WAITERS, 1);
  }
}

/** Writes a reserved record's payload, then commits it (header last), then wakes a sleeping owner. Returns whether it woke it. */
export function commit(v: InboxViews, pos: number, n: number, bytes: Uint8Array, len: number): boolean {
  const { r, r8, data, mask } = v;
  r[data + ((pos + 1) & mask)] = len;
  const w = (pos + 2) & mask;
  const room = (mask + 1 - w) * 4; // bytes before the ring's end
  const at = (data + w) * 4;
  if (len <= 64 && len <= room) for (let i = 0; i < len; i++) r8[at + i] = bytes[i]!; // no view for small records
  else if (len <= room) r8.set(len === bytes.length ? bytes : bytes.subarray(0, len), at);
  else {
    r8.set(bytes.subarray(0, room), at);
    r8.set(bytes.subarray(room, len), data * 4);
  }
  Atomics.store(r, data + (pos & mask), n);
  return wakeOwner(v.c, v.ctrl);
}

/** Clears the owner's sleeping flag and notifies it: the one step every producer of work takes. */
export function wakeOwner(c: Int32Array, ctrl: number): boolean {
  const at = ctrl + C_WAKE;
  if (Atomics.load(c, at) === 0 || Atomics.exchange(c, at, 0) === 0) return false;
  Atomics.notify(c, at);
  return true;
}

/** Whether a committed record waits at the head (the consumer's cheap per-iteration check). */
export function hasRecord(v: InboxViews): boolean {
  const head = Atomics.load(v.c, v.ctrl + C_HEAD);
  return Atomics.load(v.r, v.data + (head & v.mask)) !== 0;
}

/**
 * The consumer's step (JS core): moves every committed record, in order, into `out` (which has
 * room for cap words), zeroes their ring words, publishes the new head and wakes waiting
 * producers. Returns the words moved. Mirrors inboxDrain in assembly/inbox.ts.
 */
export function drainInto(v: InboxViews, out: Int32Array): number {
  const { c, ctrl, r, data, mask } = v;
  const cap = mask + 1;
  const start = Atomics.load(c, ctrl + C_HEAD);
  let head = start;
  let moved = 0;
  for (;;) {
    const n = Atomics.load(r, data + (head & mask));
    if (n === 0 || moved + n > cap) break;
    const w = head & mask;
    const first = Math.min(n, cap - w);
    out.set(r.subarray(data + w, data + w + first), moved);
    r.fill(0, data + w, data + w + first);
    if (first < n) {
      out.set(r.subarray(data, data + n - first), moved + first);
      r.fill(0, data, data + n - first);
    }
    moved += n;
    head = (head + n) & POS_MASK;
  }
  if (moved === 0) return 0;
  Atomics.store(c, ctrl + C_HEAD, head);
  if (Atomics.load(c, ctrl + C_WAITERS) > 0) Atomics.notify(c, ctrl + C_HEAD);
  return moved;
}

/**
 * Closes the inbox: no reservation succeeds from now on. Returns the tail position at closing;
 * every record before it is reserved and will be committed (its producer is copying it).
 */
export function closeInbox(c: Int32Array, ctrl: number): number {
  const t = Atomics.or(c, ctrl + C_TAIL, CLOSED);
  Atomics.notify(c, ctrl + C_HEAD); // producers waiting for room see CLOSED
  return t >>> 1;
}

/** Consumed position (the head). */
export function headOf(c: Int32Array, ctrl: number): number {
  return Atomics.load(c, ctrl + C_HEAD);
}

/**
 * The consumer's side over an initialised control block: `drainStep` moves records to `out`
 * (the JS core drains here with drainInto; the WASM core calls inboxDrain, one crossing),
 * `closeStep` sets CLOSED.
 */
export class ConsumerInbox {
  readonly views: InboxViews;
  constructor(
    readonly region: { ctrlBuffer: SharedArrayBuffer; ctrl: number; ringBuffer: SharedArrayBuffer },
    readonly out: Int32Array,
    readonly outBase: number,
    private readonly drainStep: () => number,
    private readonly closeStep: () => number,
  ) {
    this.views = inboxViews(region.ctrlBuffer, region.ctrl, region.ringBuffer);
  }

  pending(): boolean {
    return hasRecord(this.views);
  }

  drain(): number {
    return this.drainStep();
  }

  close(): number {
    return this.closeStep();
  }

  head(): number {
    return headOf(this.views.c, this.views.ctrl);
  }
}

/** A shared wake word standing alone (a core without shared memory of its own). */
export function standaloneCell(): Int32Array {
  if (typeof SharedArrayBuffer !== 'function') return new Int32Array(CTRL_WORDS); // cannot block anyway
  return new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
}

/** Thrown where a port needs shared memory the host does not give. */
export function noSharedMemory(): TypeError {
  return new TypeError(`cross-thread ports need SharedArrayBuffer: ${host.sharedMemoryRefusal()}`);
}
