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
 *   C_WAKE     non-zero (a fresh sleepMark() per sleep) while the owning loop sleeps (or is about to);
 *              whoever adds work CASes the mark it read to 0 and notifies
 *   C_MASK     cap - 1
 *   C_DATA     word index of ring[0] in the ring's buffer
 *   C_WAITERS  producers waiting for room
 *   C_DRAIN    word index of the drain area (WASM core: the consumer copies records there)
 *   C_MAGIC    MAGIC once the ring exists
 * A record is `n` consecutive words from position p (wrapping at cap): ring[p] is its header,
 * ring[p+1] the payload byte length, then the payload bytes, padded to a word. The header says
 * the record's state (n <= cap <= 2^26, so every state fits an i32 and they never collide):
 *   0              not reserved, or reserved by a producer that has not claimed it yet;
 *   -(n | lap<<27) claimed (written -n below): its producer is writing it (claimed with a CAS
 *                  0 → -n at once after the reservation, before any other word of the record is
 *                  written). `lap` is the record's position divided by cap, modulo 16: the same
 *                  ring word claimed again on a later lap, for a record of the same length, holds
 *                  another value, so a late producer's look and commit CAS cannot mistake another
 *                  producer's claim for its own (the epoch that arbitrates, see below);
 *   n              committed (CAS -n → n: the producer's last step);
 *   n | ABANDONED  given up by the consumer: skipped (zeroed, never delivered);
 *   TOMB (-1)      a word of a record that never got its header, taken by the consumer (CAS 0 → TOMB)
 *                  so that a late claim fails; it only lives inside an abandoned record.
 * Invariants:
 *   - head <= tail and tail - head <= cap (modulo 2^31): producers reserve with a CAS on C_TAIL
 *     only when the record fits, so a reservation never overwrites an unconsumed word;
 *   - every ring word in [tail, head + cap) is 0: the consumer zeroes what it consumed (delivered
 *     or skipped) before it publishes the new head, so an unclaimed header reads 0;
 *   - the consumer delivers records in reservation order, which is each producer's submission
 *     order, and stops at the first record not committed; it never delivers a record twice;
 *   - a record's fate is decided once, by a CAS on its header: the producer's commit (-n → n) or
 *     the consumer's abandonment (-n → n | ABANDONED, or 0 → TOMB for an unclaimed one). A producer
 *     whose claim or commit CAS fails knows its record was given up, delivered nothing, and submits
 *     it again (or learns the loop is closed): nothing committed is lost, nothing is delivered
 *     twice, and a producer's own submissions keep their order (it retries before the next one).
 * Abandonment (a producer killed, e.g. by worker.terminate(), between reserving and committing:
 * nothing else would ever move the head past its record). The consumer gives a record up when it
 * has stayed uncommitted at the head for abandonMs (default 1 s) while something waits behind it
 * (a later reservation, or a producer waiting for room) or, at once, when the loop closes (every
 * producer is refused from then on anyway). A producer that is merely slow keeps its submission:
 * it looks at its header right before copying (after its last allocation, so a GC pause cannot
 * fall between the look and the copy) and again with its commit CAS, and submits again when the
 * record was given up; the lap in its claim keeps both from matching another producer's claim of
 * the same word on a later lap (up to 15 laps later). What the design assumes, as no shared-memory
 * queue can tell a dead thread from a stalled one: no live producer stalls for abandonMs (while
 * something waits behind it) inside its copy (the copy of at most 64 bytes, or a native memcpy,
 * after the look) or between its reserving CAS and its claim CAS (consecutive statements). Such a
 * producer would write into ring words handed on to another record (its own record is still
 * never delivered, nor committed over another's header).
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
/** A header's abandoned flag (over the record's length): the consumer skips the record. */
export const ABANDONED = 0x40000000;
/** The length bits of a claimed header's magnitude (above them: its lap, see the header). */
export const LEN_MASK = (1 << 27) - 1;
/** A word of an unclaimed record, taken by the consumer (see the header). */
export const TOMB = -1;
/** How long a record may stay uncommitted at the head, while something waits behind it, before the consumer gives it up. */
export const inboxTuning = { abandonMs: 1000 };
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
  /** log2(cap): a position's lap is (pos >>> lapShift) & 15. */
  lapShift: number;
}

/** Views over a control block (and the ring it names, in `ringBuffer`). */
export function inboxViews(ctrlBuffer: ArrayBufferLike, ctrl: number, ringBuffer: ArrayBufferLike): InboxViews {
  const c = new Int32Array(ctrlBuffer);
  if (Atomics.load(c, ctrl + C_MAGIC) !== MAGIC) throw new TypeError('not a wasmloop inbox (the port is stale or malformed)');
  const mask = Atomics.load(c, ctrl + C_MASK);
  return { c, ctrl, r: new Int32Array(ringBuffer), r8: new Uint8Array(ringBuffer), data: Atomics.load(c, ctrl + C_DATA), mask, lapShift: 31 - Math.clz32(mask + 1) };
}

/** The header value of a record of `n` words claimed at position `pos`: -(n | lap << 27). */
export function claimOf(v: InboxViews, pos: number, n: number): number {
  return -(n | (((pos >>> v.lapShift) & 15) << 27));
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
    if (Atomics.compareExchange(c, tailAt, t, (((pos + n) & POS_MASK) << 1) | 0) !== t) continue;
    // claimed at once (nothing in between: see the header); fails only when the consumer gave the
    // reservation up (TOMB): its words are skipped, reserve again
    if (Atomics.compareExchange(v.r, v.data + (pos & v.mask), 0, claimOf(v, pos, n)) === 0) return pos;
  }
}

/**
 * Reserves `n` words, waiting in Atomics.wait for room (the calling thread must be allowed to
 * block) until `deadline` (a `now()` value; Infinity for no limit). Returns the position,
 * RESERVE_CLOSED, or RESERVE_FULL when the deadline passed with no room. Counts itself in
 * C_WAITERS while it waits, so the consumer knows to notify C_HEAD when it frees room: the
 * count is raised before the head is read (by tryReserve), and the consumer publishes the head
 * before it reads the count, so either the consumer sees the waiter and notifies, or the waiter
 * sees the new head (and Atomics.wait returns at once on a changed value). Before each wait it
 * wakes a sleeping owner (with `signal` too, where the owner sleeps on a message: see wakeOwner).
 */
export function reserveWaiting(v: InboxViews, n: number, seen: { head: number }, deadline: number, now: () => number, signal?: () => void): number {
  const { c, ctrl } = v;
  Atomics.add(c, ctrl + C_WAITERS, 1);
  try {
    for (;;) {
      const pos = tryReserve(v, n, seen);
      if (pos !== RESERVE_FULL) return pos;
      const left = deadline - now();
      if (left <= 0) return RESERVE_FULL;
      // a sleeping owner wakes to look at its head (a dead producer's record may be what holds the
      // room)
      wakeOwner(c, ctrl, signal);
      Atomics.wait(c, ctrl + C_HEAD, seen.head, left === Infinity ? undefined : left);
    }
  } finally {
    Atomics.sub(c, ctrl + C_WAITERS, 1);
  }
}

/** commit() returned: the record was given up as abandoned before it could commit (submit it again). */
export const COMMIT_LOST = -1;

/**
 * Writes a claimed record's payload, then commits it (CAS of its header, last), then wakes a
 * sleeping owner (wakeOwner, with `signal`). Returns 1 when it woke it, 0 when committed without waking, COMMIT_LOST when the
 * consumer gave the record up first (this producer stalled past abandonMs): nothing was
 * delivered, the caller submits again.
 */
export function commit(v: InboxViews, pos: number, n: number, bytes: Uint8Array, len: number, signal?: () => void): number {
  const { r, r8, data, mask } = v;
  const hdr = data + (pos & mask);
  const claim = claimOf(v, pos, n);
  const w = (pos + 2) & mask;
  const room = (mask + 1 - w) * 4; // bytes before the ring's end
  const at = (data + w) * 4;
  if (len <= 64 && len <= room) {
    // no view for small records
    if (Atomics.load(r, hdr) !== claim) return COMMIT_LOST;
    r[data + ((pos + 1) & mask)] = len;
    for (let i = 0; i < len; i++) r8[at + i] = bytes[i]!;
  } else {
    // every view is made before the look at the header: no allocation (no GC pause) between the look and the copy
    const a = len <= room ? (len === bytes.length ? bytes : bytes.subarray(0, len)) : bytes.subarray(0, room);
    const b = len <= room ? null : bytes.subarray(room, len);
    if (Atomics.load(r, hdr) !== claim) return COMMIT_LOST;
    r[data + ((pos + 1) & mask)] = len;
    r8.set(a, at);
    if (b !== null) r8.set(b, data * 4);
  }
  if (Atomics.compareExchange(r, hdr, claim, n) !== claim) return COMMIT_LOST;
  return wakeOwner(v.c, v.ctrl, signal) ? 1 : 0;
}

/**
 * Clears the owner's sleeping flag and notifies it: the one step every producer of work takes.
 * Where the owner sleeps on a message instead (a host without Atomics.waitAsync), `signal` sends
 * it, BEFORE the flag is cleared: a producer killed in between leaves the flag set, so the next
 * one sends the message again (cleared first, the flag would tell every later producer that the
 * owner is awake, and a killed thread's message would never come). Duplicates are harmless.
 */
export function wakeOwner(c: Int32Array, ctrl: number, signal?: () => void): boolean {
  const at = ctrl + C_WAKE;
  const mark = Atomics.load(c, at);
  if (mark === 0) return false;
  signal?.();
  // only the sleep we saw is cleared: an owner that our message woke may already sleep again,
  // under a new mark (sleepMark), and clearing that one would leave it asleep with the word
  // saying "awake", so no later producer would send a message (a lost wake-up, seen in Bun)
  if (Atomics.compareExchange(c, at, mark, 0) !== mark) return false;
  Atomics.notify(c, at);
  return true;
}

let lastMark = 0;
/**
 * The value an owner stores in its wake word as it goes to sleep: non-zero and different from its
 * previous sleep's, so a producer's compare-and-swap (wakeOwner) clears only the sleep it saw.
 */
export function sleepMark(): number {
  lastMark = lastMark >= 0x3fffffff ? 1 : lastMark + 1;
  return lastMark;
}

/** Whether a committed (or abandoned) record waits at the head: the consumer's cheap per-iteration check. */
export function hasRecord(v: InboxViews): boolean {
  const head = Atomics.load(v.c, v.ctrl + C_HEAD);
  return Atomics.load(v.r, v.data + (head & v.mask)) > 0;
}

/** Zeroes the ring words of positions [pos, pos + n). */
function zeroRecord(v: InboxViews, pos: number, n: number): void {
  const { r, data, mask } = v;
  const w = pos & mask;
  const first = Math.min(n, mask + 1 - w);
  r.fill(0, data + w, data + w + first);
  if (first < n) r.fill(0, data, data + n - first);
}

/**
 * Gives up the uncommitted record at the head (`head`, with `tail` the reserved position read
 * after it): a claimed one by a CAS of its header (-n → n | ABANDONED); an unclaimed one by taking
 * each of its words with a CAS 0 → TOMB up to the next claimed header (or the tail), so that its
 * producer's late claim fails, then heading them as one abandoned record. Returns whether the head
 * now holds a record the drain takes (committed in the meantime, or abandoned).
 */
export function abandonHead(v: InboxViews, head: number, tail: number, count?: { abandoned: number }): boolean {
  const { r, data, mask } = v;
  const hdr = data + (head & mask);
  for (;;) {
    const h = Atomics.load(r, hdr);
    if (h > 0) return true;
    if (h < 0 && h !== TOMB) {
      if (Atomics.compareExchange(r, hdr, h, (-h & LEN_MASK) | ABANDONED) === h) {
        if (count) count.abandoned++;
        return true;
      }
      continue; // committed meanwhile
    }
    if (head === tail) return false;
    // unclaimed (0), or taken by an earlier call (TOMB): take words up to the first claimed header
    let p = head;
    while (p !== tail) {
      const x = Atomics.compareExchange(r, data + (p & mask), 0, TOMB);
      if (x !== 0 && x !== TOMB) break;
      p = (p + 1) & POS_MASK;
    }
    const len = (p - head) & POS_MASK;
    if (len === 0) continue; // claimed meanwhile
    Atomics.store(r, hdr, len | ABANDONED);
    if (count) count.abandoned++;
    return true;
  }
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
    const h = Atomics.load(r, data + (head & mask));
    if (h <= 0) break; // not committed (or nothing) at the head
    if (h & ABANDONED) {
      const n = h & ~ABANDONED;
      zeroRecord(v, head, n);
      head = (head + n) & POS_MASK;
      continue;
    }
    const n = h;
    if (moved + n > cap) break;
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
  if (head === start) return 0;
  Atomics.store(c, ctrl + C_HEAD, head);
  if (Atomics.load(c, ctrl + C_WAITERS) > 0) Atomics.notify(c, ctrl + C_HEAD);
  return moved;
}

/**
 * Closes the inbox: no reservation succeeds from now on. Returns the tail position at closing;
 * every record before it is committed, or will be, or is given up (abandonHead).
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
 * `closeStep` sets CLOSED. It also watches the head for a record that stays uncommitted
 * (see "Abandonment" in the header): `pending()` looks now and then, `check()` before the loop
 * sleeps, and either gives the record up once abandonMs have passed.
 */
export class ConsumerInbox {
  readonly views: InboxViews;
  /** The head position seen holding an uncommitted record (-1: none), and since when (host.now()). */
  private stuckAt = -1;
  private stuckSince = 0;
  /** pending() calls left before it looks for an unclaimed record at the head (that look reads the tail). */
  private countdown = LOOK_EVERY;
  /** Records given up so far (killed producers, for diagnosis). */
  abandoned = 0;

  constructor(
    readonly region: { ctrlBuffer: SharedArrayBuffer; ctrl: number; ringBuffer: SharedArrayBuffer },
    readonly out: Int32Array,
    readonly outBase: number,
    private readonly drainStep: () => number,
    private readonly closeStep: () => number,
  ) {
    this.views = inboxViews(region.ctrlBuffer, region.ctrl, region.ringBuffer);
  }

  /** Whether a record waits to be drained (committed or given up). One atomic load or two. */
  pending(): boolean {
    const v = this.views;
    const h = Atomics.load(v.r, v.data + (Atomics.load(v.c, v.ctrl + C_HEAD) & v.mask));
    if (h > 0) return true;
    if (h === 0 && --this.countdown > 0) return false;
    return this.check() === 0;
  }

  /**
   * Looks at the head: 0 when a record waits to be drained (a stuck one just given up
   * included), else the milliseconds after which a record stuck at the head is due to be given
   * up (Infinity when none is): the loop sleeps no longer than that.
   */
  check(): number {
    this.countdown = LOOK_EVERY;
    const v = this.views;
    const head = Atomics.load(v.c, v.ctrl + C_HEAD);
    const h = Atomics.load(v.r, v.data + (head & v.mask));
    if (h > 0) return 0;
    const tail = (Atomics.load(v.c, v.ctrl + C_TAIL) >>> 1) & POS_MASK;
    // a claimed record with nothing behind it holds nobody up: it may take its time
    if (head === tail || (h < 0 && tail === ((head + (-h & LEN_MASK)) & POS_MASK) && Atomics.load(v.c, v.ctrl + C_WAITERS) === 0)) {
      if (head === tail) this.stuckAt = -1;
      return Infinity;
    }
    const now = host.now();
    if (this.stuckAt !== head) {
      this.stuckAt = head;
      this.stuckSince = now;
    }
    const left = this.stuckSince + inboxTuning.abandonMs - now;
    if (left > 0) return left;
    this.stuckAt = -1;
    if (!abandonHead(v, head, tail, this)) return Infinity;
    return 0;
  }

  drain(): number {
    return this.drainStep();
  }

  /**
   * Closes the inbox and hands `each` the words of every record accepted before (drained into
   * `out`, a batch at a time), giving up at once those not committed: their producers, alive or
   * not, are refused from now on anyway. Never waits.
   */
  closeAndDrain(each: (words: number) => void): void {
    const tail = this.closeStep();
    const v = this.views;
    for (;;) {
      const head = Atomics.load(v.c, v.ctrl + C_HEAD);
      if (head === tail) return;
      const n = this.drainStep();
      if (n > 0) each(n);
      else if (Atomics.load(v.c, v.ctrl + C_HEAD) === head && !abandonHead(v, head, tail, this)) return;
    }
  }

  head(): number {
    return headOf(this.views.c, this.views.ctrl);
  }
}

/** pending() calls between two looks for an unclaimed record stuck at the head. */
const LOOK_EVERY = 64;

/** A shared wake word standing alone (a core without shared memory of its own). */
export function standaloneCell(): Int32Array {
  if (typeof SharedArrayBuffer !== 'function') return new Int32Array(CTRL_WORDS); // cannot block anyway
  return new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
}

/** Thrown where a port needs shared memory the host does not give. */
export function noSharedMemory(): TypeError {
  return new TypeError(`cross-thread ports need SharedArrayBuffer: ${host.sharedMemoryRefusal()}`);
}
