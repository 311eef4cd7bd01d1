/**
 * Handle and TimerHandle: what callSoon/callLater return. A handle owns one core slot from its
 * scheduling until it runs or is cancelled; `_slot`/`_gen` name that slot, and the loop's table
 * maps the slot back to the handle (cleared on run and on cancel, so the callback is released).
 */
import type { Context } from './context.js';
import { Context as ContextCls, runInCopy } from './context.js';

/** The loop-side services a handle needs (kept narrow to avoid an import cycle). */
export interface HandleOwner {
  /** @internal */ _cancelHandle(h: Handle): void;
  /** @internal */ _reportCallbackError(h: Handle, e: unknown): void;
}

type Vars = Context['_vars'];

export class Handle {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ _args: unknown[] | null;
  /** @internal */ _loop: HandleOwner;
  /** @internal an explicit Context, else the snapshot of vars taken at scheduling time */
  /** @internal */ _context: Context | null;
  /** @internal */ _vars: Vars | null;
  /** @internal */ _cancelled = false;
  /** @internal */ _slot = -1;
  /** @internal */ _gen = 0;
  /** @internal where it was created (debug mode only) */
  /** @internal */ _sourceTraceback: string | null = null;
  /** @internal */ _repr: string | null = null;

  constructor(callback: (...args: any[]) => unknown, args: unknown[], loop: HandleOwner, context: Context | null, vars: Vars | null) {
    this._callback = callback;
    this._args = args;
    this._loop = loop;
    this._context = context;
    this._vars = vars;
  }

  /** Prevents the callback from running; idempotent, and a no-op once it ran. */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    if (this._sourceTraceback !== null) this._repr = this._describe();
    this._loop._cancelHandle(this);
    this._callback = null;
    this._args = null;
  }

  cancelled(): boolean {
    return this._cancelled;
  }

  /** The context the callback runs in. */
  getContext(): Context {
    return this._context ?? new ContextCls(this._vars ?? undefined);
  }

  /** @internal Runs the callback; errors go to the loop's exception handler. */
  _run(): void {
    const cb = this._callback!;
    const args = this._args!;
    try {
      if (this._context !== null) this._context.run(cb as (...a: unknown[]) => unknown, ...args);
      else if (args.length === 0) runInCopy(this._vars!, cb);
      else runInCopy(this._vars!, () => cb(...args));
    } catch (e) {
      this._loop._reportCallbackError(this, e);
    }
  }

  protected _kind(): string {
    return 'Handle';
  }

  protected _info(): string[] {
    const info: string[] = [];
    if (this._cancelled) info.push('cancelled');
    if (this._callback !== null) info.push(formatCallback(this._callback, this._args ?? []));
    if (this._sourceTraceback !== null) {
      const frame = firstUserFrame(this._sourceTraceback);
      if (frame) info.push(`created at ${frame}`);
    }
    return info;
  }

  /** @internal */ _describe(): string {
    return `<${[this._kind(), ...this._info()].join(' ')}>`;
  }

  toString(): string {
    return this._repr ?? this._describe();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export class TimerHandle extends Handle {
  /** @internal */ _when: number;
  /** @internal */ _scheduled = true;

  constructor(when: number, callback: (...args: any[]) => unknown, args: unknown[], loop: HandleOwner, context: Context | null, vars: Vars | null) {
    super(callback, args, loop, context, vars);
    this._when = when;
  }

  /** The loop time at which the callback is scheduled to run. */
  when(): number {
    return this._when;
  }

  protected override _kind(): string {
    return 'TimerHandle';
  }

  protected override _info(): string[] {
    const info = super._info();
    info.splice(this._cancelled ? 1 : 0, 0, `when=${this._when}`);
    return info;
  }
}

export function formatCallback(cb: (...a: any[]) => unknown, args: readonly unknown[]): string {
  const name = cb.name || '<anonymous>';
  return `${name}(${args.map(formatArg).join(', ')})`;
}

function formatArg(a: unknown): string {
  if (typeof a === 'string') return JSON.stringify(a.length > 20 ? a.slice(0, 20) + '…' : a);
  if (typeof a === 'function') return a.name || '<function>';
  if (a !== null && typeof a === 'object') {
    const s = String(a);
    return s === '[object Object]' ? ((a as object).constructor?.name ?? 'Object') : s;
  }
  return String(a);
}

/**
 * The file this module runs from, read off a stack taken at load: a bundle's chunk, dist/index.js
 * served from anywhere, or bindings/handles.ts. Frames in it are wasmloop's own wherever the
 * library was bundled or served (its path then says nothing).
 */
const OWN_FILE = ((): string | null => {
  const frame = (new Error().stack ?? '').split('\n').find((l) => /:\d+:\d+\)?$/.test(l.trim()));
  return frame ? (/(?:\(|@|at )([^\s()@]+):\d+:\d+\)?$/.exec(frame.trim())?.[1] ?? null) : null;
})();

/** The first stack frame outside wasmloop's own files. */
export function firstUserFrame(stack: string): string | null {
  const lines = stack.split('\n').slice(1);
  for (const l of lines) {
    const t = l.trim();
    if (!t.startsWith('at ') && !t.includes('@')) continue;
    if (/wasmloop\/(dist|bindings)\/|\/bindings\/(loop|handles|futures|tasks)\.ts|\/dist\/wasmloop/.test(t)) continue;
    if (OWN_FILE !== null && t.includes(`${OWN_FILE}:`)) continue;
    return t.replace(/^at /, '');
  }
  return null;
}
