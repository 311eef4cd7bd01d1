/**
 * WasmCore — the Core contract over the WebAssembly core (assembly/core.ts), one memory per core.
 *
 * Crossings: only growth (`growSlots`, `growRing`, a full staging area's `flushTimers`), `tick` and
 * `nextDeadline` call into WebAssembly. Every per-callback operation — alloc, gen, release,
 * pushReady, pushTimer, cancel and the counts — is a load or store on typed-array views of the
 * memory, at the addresses the core publishes in its header (layout: top of assembly/core.ts).
 * Views: mem32/m8/f64 cover the whole memory; they are rebuilt after growth, and after any call
 * that finds H_EPOCH changed. batchBase only moves in `tick`, so it is stable while a batch runs;
 * mem32 may be replaced by a growth during the batch (a non-shared memory detaches its buffer),
 * so read `core.mem32` again rather than keeping it across an alloc.
 * Memory: shared where the host allows SharedArrayBuffer (room for a cross-thread inbox, see
 * H_INBOX), ordinary otherwise; each variant's Module is compiled once, an Instance made per core.
 * A closed core's memory that never left this thread (no inbox opened) and stayed small is kept
 * for the next core to take, zeroed (`spare`): a host gives a thread a limited number of
 * WebAssembly memories (Chromium: ~120 per process, 8 GiB of address space each) and takes a
 * dropped one back only when it collects garbage — in the isolate that dropped it, so a page's
 * garbage could starve its workers. A loop per test then costs one memory, not one per loop.
 */
import { Core, CoreInbox, type CoreLimits, WakeCell, checkFailAfter, checkLimits, injectedRefusal, isMemoryExhausted, memoryExhausted, tooManyEntries } from './types.js';
import { RuntimeError } from '../errors.js';
import { isInstance } from '../repr.js';
import { host } from '../hosts/index.js';
import { C_DRAIN, C_WAKE, ConsumerInbox, noSharedMemory, standaloneCell } from './inbox.js';
import { PLAIN_WASM, SHARED_WASM } from './wasm-bytes.js';

/**
 * The limits of core/types.ts: maximumMemory is the WebAssembly memory's maximum (whole 64 KiB
 * pages, default 1 GiB, at most 4 GiB), maxEntries the most slots the core hands out.
 */
export interface WasmCoreOptions extends CoreLimits {
  /** Shared memory or not; by default shared when the host allows SharedArrayBuffer. */
  shared?: boolean;
}

interface CoreExports {
  header(): number;
  init(maxSlots: number): number;
  growSlots(): number;
  growRing(): number;
  flushTimers(): void;
  tick(now: number, resolution: number): number;
  nextDeadline(): number;
  inboxInit(words: number): number;
  inboxDrain(): number;
  inboxClose(): number;
}

const PAGE = 65536;
const INITIAL_PAGES = 1; // what asconfig.json declares
const MAX_PAGES = 65536; // wasm32

/**
 * Header fields as u32 word indices from the header (assembly/core.ts `H_<name>` / 4), slot
 * states (`S_<name>`) and error codes (`E_<name>`): the module's first instance is checked against
 * these. Frozen objects, so the check can walk them (measured as fast as const enums).
 */
/** The inbox's control block: header() + H_INBOX (assembly/core.ts), in words from the header. */
const H_INBOX_WORD = 32;

const H = Object.freeze({
  EPOCH: 0,
  ERROR: 1,
  GEN: 3,
  STATE: 4,
  FREE: 5,
  FREE_TOP: 6,
  RING: 7,
  RING_MASK: 8,
  RING_HEAD: 9,
  RING_TAIL: 10,
  STAGE_WHEN: 11,
  STAGE_SLOT: 12,
  STAGE_COUNT: 13,
  STAGE_CAP: 14,
  BATCH: 15,
  CANCELLED: 17,
  HEAP_SIZE: 18,
  INBOX: H_INBOX_WORD,
});
const S = Object.freeze({ FREE: 0, READY: 1, TIMER: 2, CANCELLED_TIMER: 3, CANCELLED_READY: 4 });
const E = Object.freeze({ LIMIT: 2 });

/** Throws when a stale build's layout differs from the constants above. */
function checkLayout(exports: WebAssembly.Exports): void {
  const expected: [string, number][] = [
    ...Object.entries(H).map(([name, word]): [string, number] => [`H_${name}`, word * 4]),
    ...Object.entries(S).map(([name, value]): [string, number] => [`S_${name}`, value]),
    ...Object.entries(E).map(([name, value]): [string, number] => [`E_${name}`, value]),
  ];
  for (const [name, value] of expected) {
    if ((exports[name] as WebAssembly.Global | undefined)?.value !== value) {
      throw new Error(`wasmloop: the WebAssembly core does not match bindings/core/wasm.ts (${name}): rebuild it`);
    }
  }
}

const modules: { shared?: WebAssembly.Module; plain?: WebAssembly.Module } = {};

/**
 * A new instance over `memory`. The variant's module is compiled on first use, synchronously so
 * that a core can be made anywhere, and its first instance checked against this file's constants.
 */
function instantiate(shared: boolean, memory: WebAssembly.Memory): CoreExports {
  const key = shared ? 'shared' : 'plain';
  const mod = modules[key] ?? new WebAssembly.Module(host.decodeBase64(shared ? SHARED_WASM : PLAIN_WASM));
  const { exports } = new WebAssembly.Instance(mod, { env: { memory } });
  if (modules[key] === undefined) {
    checkLayout(exports);
    modules[key] = mod;
  }
  return exports as unknown as CoreExports;
}

/**
 * What a host's refusal of a new WebAssembly memory says (the rest of a `memoryExhausted` message).
 * Chromium reserves 8 GiB of address space for every wasm32 memory, whatever its maximum, and
 * refuses a new one when about 120 are alive in the process (the page and its workers together);
 * Node, Bun and Deno allowed thousands when measured.
 */
export const MEMORY_REFUSED = 'the host refused a new WebAssembly memory';

/**
 * Every closed core's memory: one empty Memory, made with the first core's, so close() never
 * allocates (a host out of WebAssembly memories refused even a 0-page one).
 */
let closedMemory: WebAssembly.Memory | null = null;

/** A closed core's memory kept for the next core of the same kind (`takeMemory`). */
interface Spare {
  memory: WebAssembly.Memory;
  shared: boolean;
  maxPages: number;
}
/** At most SPARE_COUNT memories of closed cores, each at most SPARE_BYTES (a grown one is let go). */
const spare: Spare[] = [];
const SPARE_COUNT = 8;
const SPARE_BYTES = 1 << 20;

/** @internal Lets the spare memories go (tests: the next core asks the host for a new one). */
export function _dropSpareMemories(): void {
  spare.length = 0;
}

/** A spare memory of this kind, zeroed, or a new one. */
function takeMemory(shared: boolean, maxPages: number): WebAssembly.Memory {
  for (let i = spare.length - 1; i >= 0; i--) {
    const s = spare[i]!;
    if (s.shared !== shared || s.maxPages !== maxPages) continue;
    spare.splice(i, 1);
    new Uint8Array(s.memory.buffer).fill(0); // as new: instantiation writes the data segments again
    return s.memory;
  }
  return newMemory(shared, maxPages);
}

function newMemory(shared: boolean, maximum: number): WebAssembly.Memory {
  try {
    closedMemory ??= new WebAssembly.Memory({ initial: 0, maximum: 0 });
    return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum, shared });
  } catch (e) {
    if (!isInstance(e, RangeError)) throw e;
    throw memoryExhausted(`${MEMORY_REFUSED} (${e.message}); a browser allows about 120 at once in a page and its workers: close() the loops you no longer need, or use core: 'js'`);
  }
}

/** Whether `e` is a host's refusal of a new WebAssembly memory (not a full core). */
export function isMemoryRefused(e: unknown): boolean {
  return isMemoryExhausted(e) && (e as RangeError).message.includes(MEMORY_REFUSED);
}

const CLOSED = new Uint32Array(0);

export class WasmCore implements Core {
  readonly kind = 'wasm' as const;
  /** Whether `memory` is a shared WebAssembly memory. */
  readonly shared: boolean;
  /** The core's memory (a zero-page stand-in after close). */
  memory: WebAssembly.Memory;
  mem32: Uint32Array = CLOSED;
  batchBase = 0;

  private ex: CoreExports;
  private m8 = new Uint8Array(0);
  private f64 = new Float64Array(0);
  private readonly h: number; // the header's word index
  private readonly maxPages: number;
  private readonly maxEntries: number;
  private epoch = -1;
  // word (u32, f64) or byte (u8) indices of the arrays, from the header
  private gens = 0;
  private states = 0;
  private free = 0;
  private ring = 0;
  private mask = 0;
  private stageWhen = 0;
  private stageSlot = 0;
  private stageCap = 0;
  private cell: Int32Array | null = null;
  private inbox: ConsumerInbox | null = null;
  /** failAfter's countdown: allocations until the refused one, 0 when unarmed */
  private failIn = 0;

  constructor(opts: WasmCoreOptions = {}) {
    // shared memory needs SharedArrayBuffer and, in a browser, a crossOriginIsolated page
    this.shared = opts.shared ?? host.sharedMemory();
    if (this.shared && !host.sharedMemory()) throw new RuntimeError(`wasmloop: a shared WebAssembly memory cannot be had here: ${host.sharedMemoryRefusal()}`);
    const limits = checkLimits(opts);
    this.maxPages = Math.max(INITIAL_PAGES, Math.min(MAX_PAGES, Math.floor(limits.maximumMemory / PAGE)));
    this.maxEntries = limits.maxEntries;
    this.memory = takeMemory(this.shared, this.maxPages);
    this.ex = instantiate(this.shared, this.memory);
    this.h = this.ex.header() >>> 2;
    if (!this.ex.init(this.maxEntries)) throw this.exhausted();
    this.refresh();
  }

  alloc(): number {
    const m = this.mem32;
    const top = m[this.h + H.FREE_TOP]!;
    if (top === 0 || this.failIn !== 0) return this.allocSlow();
    m[this.h + H.FREE_TOP] = top - 1;
    return m[this.free + top - 1]!;
  }

  /**
   * alloc's rare cases, out of line so that alloc stays small enough for V8 to inline into the
   * loop's callSoon (its inlining budget is counted in bytecode): an armed failAfter, no free slot.
   */
  private allocSlow(): number {
    if (this.failIn !== 0 && --this.failIn === 0) throw injectedRefusal();
    if (this.mem32[this.h + H.FREE_TOP] === 0) this.grown(this.ex.growSlots());
    const m = this.mem32;
    const top = m[this.h + H.FREE_TOP]!;
    m[this.h + H.FREE_TOP] = top - 1;
    return m[this.free + top - 1]!;
  }

  failAfter(k: number): number {
    const left = this.failIn;
    this.failIn = checkFailAfter(k);
    return left;
  }

  gen(slot: number): number {
    return this.mem32[this.gens + slot]!;
  }

  pushReady(slot: number): void {
    const m = this.mem32;
    const tail = m[this.h + H.RING_TAIL]!;
    if (tail - m[this.h + H.RING_HEAD]! > this.mask) return this.pushReadyGrown(slot);
    m[this.ring + (tail & this.mask)] = slot;
    m[this.h + H.RING_TAIL] = tail + 1;
    this.m8[this.states + slot] = S.READY;
  }

  /** pushReady on a full ring, out of line (see allocSlow): only reachable when a slot is pushed twice, as the ring holds an entry per slot. */
  private pushReadyGrown(slot: number): void {
    this.grown(this.ex.growRing());
    this.pushReady(slot);
  }

  pushTimer(slot: number, when: number): void {
    const m = this.mem32;
    let n = m[this.h + H.STAGE_COUNT]!;
    if (n === this.stageCap) {
      this.ex.flushTimers(); // never allocates
      n = 0;
    }
    this.f64[this.stageWhen + n] = when;
    m[this.stageSlot + n] = slot;
    m[this.h + H.STAGE_COUNT] = n + 1;
    this.m8[this.states + slot] = S.TIMER;
  }

  cancel(slot: number, gen: number): void {
    const m = this.mem32;
    if (m[this.gens + slot] !== gen) return;
    const i = this.states + slot;
    const s = this.m8[i];
    if (s === S.TIMER) {
      this.m8[i] = S.CANCELLED_TIMER;
      m[this.h + H.CANCELLED] = m[this.h + H.CANCELLED]! + 1;
    } else if (s === S.READY) {
      this.m8[i] = S.CANCELLED_READY;
    }
  }

  tick(now: number, resolution: number): number {
    const n = this.ex.tick(now, resolution);
    const m = this.mem32;
    // a detached view reads undefined, which differs from any epoch
    if (m[this.h + H.EPOCH] !== this.epoch) this.refresh();
    else this.batchBase = m[this.h + H.BATCH]! >>> 2; // a batch grown since the last tick is in use now
    return n;
  }

  nextDeadline(): number {
    return this.ex.nextDeadline();
  }

  readyCount(): number {
    const m = this.mem32;
    return m[this.h + H.RING_TAIL]! - m[this.h + H.RING_HEAD]!;
  }

  /** Heap entries plus staged ones (a staged timer is held by the core too). */
  timerCount(): number {
    const m = this.mem32;
    return m[this.h + H.HEAP_SIZE]! + m[this.h + H.STAGE_COUNT]!;
  }

  cancelledCount(): number {
    return this.mem32[this.h + H.CANCELLED]!;
  }

  footprint(): number {
    return this.memory.buffer.byteLength;
  }

  close(): void {
    const memory = this.memory;
    // kept for the next core if no other thread can hold it (no inbox: port() was never called)
    if (memory !== closedMemory && this.inbox === null && memory.buffer.byteLength <= SPARE_BYTES && spare.length < SPARE_COUNT) {
      spare.push({ memory, shared: this.shared, maxPages: this.maxPages });
      // a view of the wake word in it must not reach the next core's
      if (this.cell !== null && this.shared) this.cell = new Int32Array(this.h + H.INBOX + C_WAKE + 1);
    }
    this.ex = closedExports;
    this.memory = closedMemory!; // made before this core's own (newMemory)
    this.mem32 = CLOSED;
    this.m8 = new Uint8Array(0);
    this.f64 = new Float64Array(0);
  }

  /** The header's inbox wake word when the memory is shared (the header never moves), else a cell of its own. */
  wakeCell(): WakeCell {
    if (!this.shared) return { i32: (this.cell ??= standaloneCell()), index: C_WAKE };
    return { i32: (this.cell ??= new Int32Array(this.memory.buffer)), index: this.h + H.INBOX + C_WAKE };
  }

  openInbox(words: number): CoreInbox {
    if (this.inbox !== null) return this.inbox;
    if (!this.shared) throw noSharedMemory();
    const ok = this.ex.inboxInit(words);
    this.refresh();
    if (!ok) throw this.exhausted();
    // the ring and the drain area never move: views of today's buffer stay valid after growth
    const buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    const region = { ctrlBuffer: buffer, ctrl: this.h + H.INBOX, ringBuffer: buffer };
    const out = new Int32Array(buffer);
    const ex = this.ex;
    this.inbox = new ConsumerInbox(region, out, out[this.h + H.INBOX + C_DRAIN]!, () => ex.inboxDrain(), () => ex.inboxClose());
    return this.inbox;
  }

  // ---- internals -------------------------------------------------------------------------

  /** Rebuilds the views and reads the array addresses (after growth or an epoch change). */
  private refresh(): void {
    const buffer = this.memory.buffer;
    const m = (this.mem32 = new Uint32Array(buffer));
    this.m8 = new Uint8Array(buffer);
    this.f64 = new Float64Array(buffer);
    const h = this.h;
    this.epoch = m[h + H.EPOCH]!;
    this.gens = m[h + H.GEN]! >>> 2;
    this.states = m[h + H.STATE]!;
    this.free = m[h + H.FREE]! >>> 2;
    this.ring = m[h + H.RING]! >>> 2;
    this.mask = m[h + H.RING_MASK]!;
    this.stageWhen = m[h + H.STAGE_WHEN]! >>> 3;
    this.stageSlot = m[h + H.STAGE_SLOT]! >>> 2;
    this.stageCap = m[h + H.STAGE_CAP]!;
    this.batchBase = m[h + H.BATCH]! >>> 2;
  }

  /** After a growth call: refreshes (a failed one may have grown the memory too), throws if it failed. */
  private grown(ok: number): void {
    this.refresh();
    if (!ok) throw this.exhausted();
  }

  private exhausted(): RangeError {
    if (new Uint32Array(this.memory.buffer)[this.h + H.ERROR] === E.LIMIT) return tooManyEntries(this.maxEntries);
    return memoryExhausted(`its WebAssembly memory reached its maximum of ${this.maxPages * PAGE} bytes (maximumMemory)`);
  }
}

function closed(): never {
  throw new Error('wasmloop: the core is closed');
}

const closedExports: CoreExports = {
  header: closed,
  init: closed,
  growSlots: closed,
  growRing: closed,
  flushTimers: closed,
  tick: closed,
  nextDeadline: closed,
  inboxInit: closed,
  inboxDrain: closed,
  inboxClose: closed,
};

export function createWasmCore(opts?: WasmCoreOptions): WasmCore {
  return new WasmCore(opts);
}
