/**
 * Handle and TimerHandle: what callSoon/callLater return, the user's name for one scheduled
 * callback. The loop does not keep them: it keeps the callback, its arguments and its context in
 * its own tables by core slot (bindings/loop.ts, struct of arrays), and `_slot`/`_gen` name that
 * slot, so a handle the caller drops dies young (a fan-out of a million callSoon leaves nothing for
 * the garbage collector to copy). `cancel()` clears the loop's entry if `_gen` is still the slot's
 * generation. A callback that throws outside debug mode reports an equal view (a new Handle over
 * the same slot, callback, arguments and context) as `context.handle` (docs/API.md §2.14).
 *
 * Layout (7 fields; TimerHandle adds `_when`):
 *   _callback, _loop, _slot, _gen;
 *   _args   nothing (0 arguments), the argument itself (1), or an array (2 or more): no array
 *           is made for the common 0- and 1-argument calls;
 *   _ctx    the explicit Context, else the snapshot of context vars taken at scheduling time;
 *   _flags  CANCELLED | EXPLICIT_CONTEXT | how `_args` holds them (ARGS_*) << ARGS_SHIFT; the
 *           loop's per-slot flags word is the same without CANCELLED, plus TIMER_SLOT.
 * Debug-only data (creation traceback, frozen repr) lives in a side table, not in every handle.
 */
import { Context, callInContext, useScratch } from './context.js';
import { className, nameOf, safeRepr, safeString } from './repr.js';


/** The loop-side services a handle needs (kept narrow to avoid an import cycle). */
export interface HandleOwner {
  /** @internal */ _cancelHandle(h: Handle): void;
  /** @internal */ _reportCallbackError(h: Handle, e: unknown): void;
}

type Vars = Context['_vars'];
type Callback = (...args: any[]) => unknown;

// `_flags` bits. Plain constants, not enums: an enum compiles to an object (isolatedModules), a
// property load on every use, where a module constant is folded into the optimized code.
const CANCELLED = 1;
/** @internal the callback runs in `_ctx`, a Context (else `_ctx` is a snapshot of context vars) */
export const EXPLICIT_CONTEXT = 2;
/** @internal where the ARGS_* kind sits in a flags word */
export const ARGS_SHIFT = 2;
const ARGS_BITS = 3 << ARGS_SHIFT;
/** @internal in the loop's per-slot flags only: the slot is a timer (its `when` is in the loop's table) */
export const TIMER_SLOT = 16;
/** @internal how `_args` holds the arguments: none, the one argument itself, or an array */
export const ARGS_NONE = 0;
export const ARGS_ONE = 1;
export const ARGS_ARRAY = 2;
// what invoke reads, as unexported constants: V8 folds those into optimized code, but loads and
// checks an exported binding (a module cell) at every use, in this file too. Not the constructor:
// with these there, W2 on the JS core measured ~1,920 instructions per callback against ~1,250
// (callgrind; W1s ~60 fewer) — a V8 effect not yet explained
const SHIFT = ARGS_SHIFT;
const EXPLICIT = EXPLICIT_CONTEXT;
const NONE = ARGS_NONE;
const ONE = ARGS_ONE;
const scratch = useScratch;

interface DebugInfo {
  traceback: string | null;
  repr: string | null;
}
const debugInfo = new WeakMap<Handle, DebugInfo>();

/**
 * @internal Calls `cb` with `arg` held as `flags` says (ARGS_* << ARGS_SHIFT, EXPLICIT_CONTEXT),
 * in the Context `ctx` or the batch's scratch context given the vars `ctx`. What it throws passes.
 */
export function invoke(cb: Callback, flags: number, arg: unknown, ctx: Context | Vars): void {
  const kind = (flags >>> SHIFT) & 3;
  if ((flags & EXPLICIT) !== 0) callInContext(ctx as Context, cb, kind, arg);
  else {
    scratch(ctx as Vars);
    if (kind === NONE) cb();
    else if (kind === ONE) cb(arg);
    else cb(...(arg as unknown[]));
  }
}

/**
 * A scheduled callback, as `loop.callSoon()` returns it: asyncio's `asyncio.Handle` (API.md §2.14).
 * Made by the loop only.
 */
export class Handle {
  // `declare`: no class-field definitions (ES2022 would define each field, then assign it); the
  // constructor stores each field once, in this order, so every handle has one shape
  /** @internal */ declare _callback: Callback | null;
  /** @internal */ declare _args: unknown;
  /** @internal */ declare _ctx: Context | Vars;
  /** @internal */ declare _loop: HandleOwner;
  /** @internal */ declare _slot: number;
  /** @internal */ declare _gen: number;
  /** @internal */ declare _flags: number;

  /** @internal `argsKind` is an ARGS_* constant; `ctx` a Context when `explicit`, else vars; the core slot and its generation. */
  constructor(callback: Callback, args: unknown, argsKind: number, loop: HandleOwner, ctx: Context | Vars, explicit: boolean, slot: number, gen: number) {
    this._callback = callback;
    this._args = args;
    this._ctx = ctx;
    this._loop = loop;
    this._slot = slot;
    this._gen = gen;
    this._flags = (argsKind << ARGS_SHIFT) | (explicit ? EXPLICIT_CONTEXT : 0);
  }

  /**
   * Prevents the callback from running; idempotent, and a no-op once it ran (API.md §2.12). asyncio:
   * `Handle.cancel`.
   */
  cancel(): void {
    if ((this._flags & CANCELLED) !== 0) return;
    this._flags |= CANCELLED;
    const dbg = debugInfo.get(this);
    if (dbg !== undefined) dbg.repr = this._describe();
    this._loop._cancelHandle(this);
    this._callback = null;
    this._args = undefined;
    this._flags &= ~ARGS_BITS;
  }

  /** Whether cancel() was called (API.md §2.14). asyncio: `Handle.cancelled`. */
  cancelled(): boolean {
    return (this._flags & CANCELLED) !== 0;
  }

  /** The context the callback runs in. asyncio: `Handle.get_context`. */
  getContext(): Context {
    return (this._flags & EXPLICIT_CONTEXT) !== 0 ? (this._ctx as Context) : new Context(this._ctx as Vars);
  }

  /** @internal The arguments as an array (for reports). */
  _argList(): unknown[] {
    const kind = this._flags >>> ARGS_SHIFT;
    return kind === ARGS_NONE ? [] : kind === ARGS_ONE ? [this._args] : (this._args as unknown[]);
  }

  /** @internal where it was created (debug mode only) */
  get _sourceTraceback(): string | null {
    return debugInfo.get(this)?.traceback ?? null;
  }

  /** @internal */
  set _sourceTraceback(tb: string | null) {
    debugInfo.set(this, { traceback: tb, repr: null });
  }

  /**
   * @internal Runs the callback; errors go to the loop's exception handler. The loop calls it
   * between `enterCallbacks` and `leaveCallbacks` (context.ts), which own the context switch.
   */
  _run(): void {
    try {
      invoke(this._callback!, this._flags, this._args, this._ctx);
    } catch (e) {
      this._loop._reportCallbackError(this, e);
    }
  }

  protected _kind(): string {
    return 'Handle';
  }

  protected _info(): string[] {
    const info: string[] = [];
    if (this.cancelled()) info.push('cancelled');
    if (this._callback !== null) info.push(formatCallback(this._callback, this._argList()));
    const tb = this._sourceTraceback;
    if (tb !== null) {
      const frame = firstUserFrame(tb);
      if (frame) info.push(`created at ${frame}`);
    }
    return info;
  }

  /** @internal */ _describe(): string {
    return `<${[this._kind(), ...this._info()].join(' ')}>`;
  }

  /**
   * The handle's repr: `<Handle printNow()>`, `<Handle cancelled>`; in debug mode with where it was
   * made (API.md §2.14, §5.3).
   */
  toString(): string {
    return debugInfo.get(this)?.repr ?? this._describe();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * A callback scheduled for a time, as `loop.callLater()`/`callAt()` return it: asyncio's
 * `asyncio.TimerHandle` (API.md §2.14).
 */
export class TimerHandle extends Handle {
  /** @internal */ declare _when: number;

  /** @internal */
  constructor(when: number, callback: Callback, args: unknown, argsKind: number, loop: HandleOwner, ctx: Context | Vars, explicit: boolean, slot: number, gen: number) {
    super(callback, args, argsKind, loop, ctx, explicit, slot, gen);
    this._when = when;
  }

  /**
   * The loop time at which the callback is scheduled to run (a negative delay was taken as 0).
   * asyncio: `TimerHandle.when`.
   */
  when(): number {
    return this._when;
  }

  protected override _kind(): string {
    return 'TimerHandle';
  }

  protected override _info(): string[] {
    const info = super._info();
    info.splice(this.cancelled() ? 1 : 0, 0, `when=${this._when}`);
    return info;
  }
}

/**
 * @internal a task's step and wakeup callbacks carry the task here (Python's bound method's
 * `__self__`): a slow-callback report names the task, as asyncio's `_format_handle` does
 */
export const TASK_OF: unique symbol = Symbol('wasmloop.taskOf');

/** @internal what a debug report calls a handle: its task when it runs a task's step, else the handle */
export function formatHandle(h: Handle): string {
  const task = (h._callback as { [TASK_OF]?: object } | null)?.[TASK_OF];
  return task !== undefined ? String(task) : String(h);
}

/** `name(args…)` for reports; never throws, whatever the callback or its arguments are (repr.ts). */
export function formatCallback(cb: (...a: any[]) => unknown, args: readonly unknown[]): string {
  return `${nameOf(cb) || '<anonymous>'}(${args.map(formatArg).join(', ')})`;
}

function formatArg(a: unknown): string {
  if (typeof a === 'string') return safeRepr(a, 20);
  if (typeof a === 'function') return nameOf(a) || '<function>';
  if (a !== null && typeof a === 'object') {
    const s = safeString(a);
    return s === '[object Object]' ? (className(a) ?? 'Object') : s;
  }
  return safeRepr(a);
}

/** The files wasmloop's modules run from (a bundle's chunk, dist/*.js served from anywhere, bindings/*.ts), each with a ':'. */
const OWN_FILES = new Set<string>();

/**
 * @internal Notes the file a wasmloop module runs from, given a stack taken at its top level (its
 * first frame is the module itself), so that frames in it are never taken for the user's. Each
 * module whose frames sit between the user's call and a handle's or future's creation (loop.ts,
 * futures.ts, tasks.ts, this one) calls it: bundled, or as dist/'s one file per module, their
 * paths say nothing.
 */
export function noteOwnFile(stack: string | undefined): void {
  const frame = (stack ?? '').split('\n').find((l) => /:\d+:\d+\)?$/.test(l.trim()));
  const file = frame ? (/(?:\(|@|at )([^\s()@]+):\d+:\d+\)?$/.exec(frame.trim())?.[1] ?? null) : null;
  if (file !== null) OWN_FILES.add(`${file}:`);
}
noteOwnFile(new Error().stack);

function isOwnFrame(frame: string): boolean {
  for (const f of OWN_FILES) if (frame.includes(f)) return true;
  return false;
}

/** The first stack frame outside wasmloop's own files. */
export function firstUserFrame(stack: string): string | null {
  const lines = stack.split('\n').slice(1);
  for (const l of lines) {
    const t = l.trim();
    if (!t.startsWith('at ') && !t.includes('@')) continue;
    if (/wasmloop\/(dist|bindings)\/|\/dist\/wasmloop/.test(t) || isOwnFrame(t)) continue;
    return t.replace(/^at /, '');
  }
  return null;
}
