/**
 * The trace ring: where a traced loop records its events, in two SharedArrayBuffers the loop owns
 * (one for events, one for the names they refer to), so that any thread holding them can read the
 * trace — `readTrace(buffers)` — while the loop keeps running, without the loop's help.
 *
 * A loop's port carries a pair of growable buffers (portBuffers) that remote.trace() has the loop
 * record into, so the asking thread reads the ring with no buffer sent to it.
 *
 * Why not inside the WASM core's memory: the events are written by the JavaScript front (callbacks,
 * tasks and their names live there), so the core's memory would give the reader nothing it lacks,
 * and would cost an allocation in the core and views replaced on every memory growth; a buffer of
 * its own serves both cores alike (the JavaScript core has no shared memory at all).
 *
 * ## Layout (version 2; all numbers little-endian, as typed arrays on every supported host)
 * Event buffer: a 64-byte header, then `cap` records of 48 bytes.
 *   header, as Int32 words:  0 magic 0x52544c57 ('WLTR')   1 version (1)   2 cap
 *     3 SEQ (Atomics): events written, see below          4 STATE (Atomics): 1 recording, 2 stopped
 *     5/6/7 names of the core, the clock and the thread (string ids)   8 tid
 *     9 NAMES (Atomics): strings published   10 string bytes used   11 string slots   12 names lost
 *     13 LAPS (Atomics): twice the times SEQ went back, odd while it does (a sequence lock)
 *   header, as Float64 word 7: the trace's start (µs)
 *   record i at byte 64 + 48 i, as Float64 words r..r+3 and Int32 words 2r+8..2r+11 (r = 8 + 6 i):
 *     f64 ts (µs) · f64 dur (µs) · f64 x · f64 y · i32 kind · i32 name · i32 a · i32 b
 *     ITER     dur; x lateBy (s); y wall µs (−1 on a monotonic clock); a ready; b timers fired
 *              (SOLO: the same, but a is the task flag: its ready count is 1)
 *     CB       dur; x the timer flow it ends (0: none); name; a 1 for a task's step
 *     COUNTER  a ready; b timers pending
 *     FLOW_S   x flow id; a 1 if inside a callback (a slice to bind to); b 0 timer, 1 thread
 *     FLOW_F   x flow id of a submission from another thread (b 1), ended inside the batch callback
 *     TASK_B   a task id; name the task's name; b its coroutine's repr (a string id)
 *     TASK_E   a task id; name the task's name
 *     SOLO     an iteration that ran one callback and nothing else between its start and end
 *              (a trampoline's): the ITER fields, with the callback's name and a 1 for a task's
 *              step (no timer flow ends in it: a callback that ends one has a CB record); the
 *              callback's ts and dur are the iteration's — one record, one publish, for two events
 * String buffer: Int32 offsets[slots + 1], then UTF-8 bytes; string k is bytes
 *   offsets[k] … offsets[k + 1] of the byte area.
 *
 * ## Invariants
 * - One writer (the loop's thread). A record is written in full, then SEQ is stored (Atomics), so a
 *   reader that loads SEQ sees every record before it, and the writer is never more than one
 *   record past the SEQ a reader loads. SEQ counts events; when it reaches
 *   WRAP + cap (WRAP: the multiple of cap nearest above 2^30) it goes back to cap — the same slot
 *   (SEQ mod cap is the next one written), still "full" — so it never leaves an Int32; LAPS
 *   counts those returns, so events written = LAPS / 2 × WRAP + SEQ (read under the lock).
 * - A string is copied and its end offset set before NAMES is stored; a record names only strings
 *   already published; so a reader that loads SEQ and then NAMES can resolve every name it read.
 *   Strings are never changed or removed while the trace lasts.
 * - A reader copies the records, then loads SEQ again: the records overwritten meanwhile (the
 *   oldest ones) are left out and counted as dropped. It never blocks the writer.
 * - When the string slots or bytes run out, a name is kept on the writer's side only (a local
 *   stopTrace() still shows it); another thread's reader shows `<name #k: not shared>` and
 *   `otherData.namesLost` counts them.
 *
 * ## Costs
 * Per record: two to six stores into it (only the fields its kind uses) and one Atomics.store
 * of SEQ; an iteration of one callback is one record (SOLO), else one per callback and one for
 * the iteration. Per callback, one comparison with the last callback named, and a WeakMap lookup
 * for its name when it differs (a string is interned once per function or task: the first time
 * it runs, or when the task is created). Capacity and `dropped` count records: a SOLO record
 * holds two trace events. Memory: 48 bytes an event (12 MiB at the default capacity of
 * 2^18), plus the names: 4 + 48 bytes a slot, cap/4 slots from 256 up to 65 536 (3.3 MiB at most).
 */

export const MAGIC = 0x52544c57;
export const VERSION = 2;
export const HEADER_BYTES = 64;
export const RECORD_BYTES = 48;

export const H_MAGIC = 0;
export const H_VERSION = 1;
export const H_CAP = 2;
export const H_SEQ = 3;
export const H_STATE = 4;
export const H_CORE = 5;
export const H_CLOCK = 6;
export const H_THREAD = 7;
export const H_TID = 8;
export const H_NAMES = 9;
export const H_STR_BYTES = 10;
export const H_STR_SLOTS = 11;
export const H_NAMES_LOST = 12;
export const H_LAPS = 13;
export const HF_START = 7;

export const RECORDING = 1;
export const STOPPED = 2;

export const ITER = 1;
export const CB = 2;
export const COUNTER = 3;
export const FLOW_S = 4;
export const FLOW_F = 5;
export const TASK_B = 6;
export const TASK_E = 7;
export const SOLO = 8;

/** Longest name kept, in UTF-16 units (longer ones are cut, with '…'). */
const MAX_NAME = 256;
const SLOT_BYTES = 48;

/** What another thread needs to read a trace: both buffers (structured-cloneable). */
export interface TraceBuffers {
  /** The ring: a header, then fixed-size event records (layout above). */
  readonly events: SharedArrayBuffer;
  /** The string table: name offsets, then their UTF-8 bytes. */
  readonly strings: SharedArrayBuffer;
}

const Shared: typeof SharedArrayBuffer | undefined = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;

/** Most events a ring in a port's buffers holds (remote.trace): what their growth is bounded by. */
export const PORT_MAX_CAP = 1 << 20;
const slotsFor = (cap: number): number => Math.min(65536, Math.max(256, cap >> 2));
const eventBytes = (cap: number): number => HEADER_BYTES + RECORD_BYTES * cap;
const stringBytes = (slots: number): number => 4 * (slots + 1) + SLOT_BYTES * slots;

/**
 * Growable buffers for a loop's port (ports.ts): empty until remote.trace() records into them,
 * then grown to its capacity (PORT_MAX_CAP at most), so that a thread holding the port reads the
 * ring with no buffer sent to it (a browser's BroadcastChannel does not carry SharedArrayBuffers).
 * Null where the host has no growable SharedArrayBuffer.
 */
export function portBuffers(): TraceBuffers | null {
  if (Shared === undefined) return null;
  try {
    const G = Shared as unknown as new (n: number, o: { maxByteLength: number }) => SharedArrayBuffer & { growable?: boolean };
    const events = new G(0, { maxByteLength: eventBytes(PORT_MAX_CAP) });
    const strings = new G(0, { maxByteLength: stringBytes(slotsFor(PORT_MAX_CAP)) });
    return events.growable === true ? { events, strings } : null;
  } catch {
    return null;
  }
}

/** The multiple of cap past 2^30 at which SEQ goes back to cap. */
export const wrapOf = (cap: number): number => Math.ceil((1 << 30) / cap) * cap;

const encoder = new TextEncoder();

/** The writer's side: the loop thread records into it. */
export class TraceRing {
  readonly buffers: TraceBuffers;
  readonly cap: number;
  private readonly h32: Int32Array;
  private readonly hf: Float64Array;
  readonly f64: Float64Array;
  readonly i32: Int32Array;
  private readonly offsets: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly slots: number;
  private seq = 0;
  /** the slot the next record goes to: seq mod cap */
  private next = 0;
  private readonly wrap: number;
  private laps = 0;
  private lapped = false;
  private names = 0;
  private strBytes = 0;
  /** names kept only here (the string buffer was full): id −2 − k */
  readonly local: string[] = [];
  private readonly interned = new Map<string, number>();

  /** `into`: a port's growable buffers (portBuffers()) to record into, grown to fit; else new ones. */
  constructor(cap: number, meta: { core: string; clock: string; thread: string; tid: number; start: number }, into?: TraceBuffers) {
    this.cap = cap;
    this.wrap = wrapOf(cap);
    this.slots = slotsFor(cap);
    const B = Shared ?? ArrayBuffer; // a host without SharedArrayBuffer records alike; only other threads cannot read it
    let events: SharedArrayBuffer;
    let strings: SharedArrayBuffer;
    if (into !== undefined) {
      if (cap > PORT_MAX_CAP) throw new RangeError(`trace() capacity must be at most ${PORT_MAX_CAP} events, got ${cap}`);
      ({ events, strings } = into);
      type Growable = SharedArrayBuffer & { grow(n: number): void };
      if (events.byteLength < eventBytes(cap)) (events as Growable).grow(eventBytes(cap));
      if (strings.byteLength < stringBytes(this.slots)) (strings as Growable).grow(stringBytes(this.slots));
      new Int32Array(events, 0, HEADER_BYTES / 4).fill(0); // a new trace: nothing published yet (the cap, slots and magic are set again below)
    } else {
      events = new B(eventBytes(cap)) as SharedArrayBuffer;
      strings = new B(stringBytes(this.slots)) as SharedArrayBuffer;
    }
    this.buffers = { events, strings };
    this.h32 = new Int32Array(events, 0, HEADER_BYTES / 4);
    this.hf = new Float64Array(events, 0, HEADER_BYTES / 8);
    this.f64 = new Float64Array(events, 0, eventBytes(cap) / 8);
    this.i32 = new Int32Array(events, 0, eventBytes(cap) / 4);
    this.offsets = new Int32Array(strings, 0, this.slots + 1);
    this.bytes = new Uint8Array(strings, 4 * (this.slots + 1), SLOT_BYTES * this.slots);
    const h = this.h32;
    h[H_MAGIC] = MAGIC;
    h[H_VERSION] = VERSION;
    h[H_CAP] = cap;
    h[H_STR_SLOTS] = this.slots;
    h[H_TID] = meta.tid;
    this.hf[HF_START] = meta.start;
    h[H_CORE] = this.intern(meta.core);
    h[H_CLOCK] = this.intern(meta.clock);
    h[H_THREAD] = this.intern(meta.thread);
    Atomics.store(h, H_STATE, RECORDING);
  }

  /** The id of `s` in the string table (published before it returns). */
  intern(s: string): number {
    let id = this.interned.get(s);
    if (id !== undefined) return id;
    const text = s.length > MAX_NAME ? `${s.slice(0, MAX_NAME - 1)}…` : s;
    const at = this.strBytes;
    // encoded apart, then copied: a browser's encodeInto refuses a shared destination
    const utf8 = this.names < this.slots ? encoder.encode(text) : null;
    if (utf8 === null || utf8.length > this.bytes.length - at) {
      id = -2 - this.local.length;
      this.local.push(text);
      this.h32[H_NAMES_LOST]!++;
    } else {
      this.bytes.set(utf8, at);
      id = this.names;
      this.strBytes = at + utf8.length;
      this.offsets[id + 1] = this.strBytes;
      this.h32[H_STR_BYTES] = this.strBytes;
      Atomics.store(this.h32, H_NAMES, ++this.names);
    }
    this.interned.set(s, id);
    return id;
  }

  /**
   * Claims the next record for an event of `kind` at `ts`; returns its first Float64 word (its
   * Int32 words start at twice that plus 8). The caller sets the fields its kind uses (the others
   * are not read), then calls publish() before it claims another.
   */
  claim(kind: number, ts: number): number {
    const at = this.next; // seq mod cap, kept apart: no division per record
    this.next = at + 1 === this.cap ? 0 : at + 1;
    const r = 8 + 6 * at;
    this.f64[r] = ts;
    this.i32[2 * r + 8] = kind;
    let s = this.seq + 1;
    if (s === this.wrap + this.cap) {
      s = this.cap;
      this.lapped = true;
    }
    this.seq = s;
    return r;
  }

  /** The records claimed so far are complete: readers may see them. */
  publish(): void {
    if (this.lapped) return this.lap();
    Atomics.store(this.h32, H_SEQ, this.seq);
  }

  /** SEQ went back to cap: published under the sequence lock. */
  private lap(): void {
    this.lapped = false;
    Atomics.store(this.h32, H_LAPS, ++this.laps); // odd: SEQ is changing
    Atomics.store(this.h32, H_SEQ, this.seq);
    Atomics.store(this.h32, H_LAPS, ++this.laps);
  }

  stop(): void {
    Atomics.store(this.h32, H_STATE, STOPPED);
    Atomics.notify(this.h32, H_STATE);
  }
}

/** One event read back from a ring. */
export interface RingEvent {
  kind: number;
  ts: number;
  dur: number;
  x: number;
  y: number;
  name: number;
  a: number;
  b: number;
}

export interface RingSnapshot {
  cap: number;
  state: number;
  tid: number;
  start: number;
  core: string;
  clock: string;
  thread: string;
  /** events overwritten before they were read (by the writer's count, plus those lost while reading) */
  dropped: number;
  namesLost: number;
  events: RingEvent[];
  name(id: number): string;
}

const decoder = new TextDecoder();

const BAD = 'readTrace() needs the { events, strings } buffers of a trace (loop.traceBuffers())';

/** The two buffers of `buffers`, checked to hold a trace ring; else a TypeError that says what is wrong. */
export function checkBuffers(buffers: unknown): TraceBuffers {
  let events: unknown;
  let strings: unknown;
  try {
    if (buffers === null || typeof buffers !== 'object') throw new TypeError(BAD);
    ({ events, strings } = buffers as TraceBuffers);
    const isBuf = (v: unknown) => (Shared !== undefined && v instanceof Shared) || v instanceof ArrayBuffer;
    if (!isBuf(events) || !isBuf(strings)) throw new TypeError(BAD);
  } catch (e) {
    throw e instanceof TypeError && e.message === BAD ? e : new TypeError(BAD);
  }
  const ev = events as SharedArrayBuffer;
  const st = strings as SharedArrayBuffer;
  if (ev.byteLength < HEADER_BYTES) throw new TypeError('readTrace(): the events buffer is too small to hold a trace header');
  const h = new Int32Array(ev, 0, HEADER_BYTES / 4);
  if (h[H_MAGIC] !== MAGIC) throw new TypeError('readTrace(): the events buffer holds no wasmloop trace (bad magic)');
  if (h[H_VERSION] !== VERSION) throw new TypeError(`readTrace(): trace ring version ${h[H_VERSION]} is not ${VERSION}`);
  const cap = h[H_CAP]!;
  const slots = h[H_STR_SLOTS]!;
  if (!(cap >= 1) || ev.byteLength < HEADER_BYTES + RECORD_BYTES * cap) throw new TypeError('readTrace(): the events buffer is smaller than its capacity says');
  if (!(slots >= 1) || st.byteLength < 4 * (slots + 1)) throw new TypeError('readTrace(): the strings buffer is smaller than its slot count says');
  return { events: ev, strings: st };
}

/** SEQ and the events written so far, read under the sequence lock. */
function readSeq(h: Int32Array, wrap: number): { seq: number; total: number } {
  for (;;) {
    const l = Atomics.load(h, H_LAPS);
    if ((l & 1) !== 0) continue;
    const seq = Atomics.load(h, H_SEQ);
    if (Atomics.load(h, H_LAPS) === l) return { seq, total: (l / 2) * wrap + seq };
  }
}

/**
 * Reads what a ring holds now, in order, oldest first, without stopping its writer (see the
 * invariants above). `local` (the writer's own thread only: it cannot be writing meanwhile)
 * resolves the names the writer kept to itself.
 */
export function snapshot(given: TraceBuffers, local?: readonly string[]): RingSnapshot {
  const buffers = checkBuffers(given);
  const h = new Int32Array(buffers.events, 0, HEADER_BYTES / 4);
  const hf = new Float64Array(buffers.events, 0, HEADER_BYTES / 8);
  const cap = h[H_CAP]!;
  const wrap = wrapOf(cap);
  const f64 = new Float64Array(buffers.events, 0, eventBytes(cap) / 8);
  const i32 = new Int32Array(buffers.events, 0, eventBytes(cap) / 4);
  const state = Atomics.load(h, H_STATE);
  const { seq: seq1, total } = readSeq(h, wrap);
  const nNames = Atomics.load(h, H_NAMES);
  const slots = h[H_STR_SLOTS]!;
  const offsets = new Int32Array(buffers.strings, 0, slots + 1);
  const bytes = new Uint8Array(buffers.strings, 4 * (slots + 1), buffers.strings.byteLength - 4 * (slots + 1));
  const names: (string | undefined)[] = [];
  const name = (id: number): string => {
    if (id >= 0) {
      if (id >= nNames) return `<name #${id}: not published>`;
      return (names[id] ??= decoder.decode(bytes.slice(offsets[id]!, offsets[id + 1]!)));
    }
    if (id === -1) return '<unnamed>';
    return local?.[-2 - id] ?? `<name #${id}: not shared>`;
  };
  const n = Math.min(seq1, cap);
  const first = seq1 < cap ? 0 : seq1 % cap;
  const events: RingEvent[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const slot = (first + k) % cap;
    const r = 8 + 6 * slot;
    const w = 2 * r + 8;
    events[k] = { ts: f64[r]!, dur: f64[r + 1]!, x: f64[r + 2]!, y: f64[r + 3]!, kind: i32[w]!, name: i32[w + 1]!, a: i32[w + 2]!, b: i32[w + 3]! };
  }
  // what the writer overwrote while we copied: the oldest records we read (and, while it records
  // from another thread, the one it may be writing now)
  const moved = readSeq(h, wrap).total - total + (local === undefined && state === RECORDING ? 1 : 0);
  const lost = Math.max(0, Math.min(n, moved - (cap - n)));
  const kept = lost > 0 ? events.slice(lost) : events;
  return {
    cap,
    state,
    tid: h[H_TID]!,
    start: hf[HF_START]!,
    core: name(h[H_CORE]!),
    clock: name(h[H_CLOCK]!),
    thread: name(h[H_THREAD]!),
    dropped: total - n + lost,
    namesLost: h[H_NAMES_LOST]!,
    events: kept,
    name,
  };
}
