/**
 * contextvars, as in Python: a `Context` maps `ContextVar`s to values. Mappings are immutable
 * (copy-on-write `Map`s), so `copyContext()` is O(1) and a callback's context copy is free until
 * something in it calls `ContextVar.set`.
 *
 * Invariant: exactly one context is current at any time (`current`); `Context.run` swaps it in
 * and back, and refuses to enter a context that is already entered (Python's RuntimeError).
 */
import { RuntimeError } from './errors.js';

type Vars = Map<ContextVar<any>, unknown>;
const EMPTY: Vars = new Map();
const MISSING: unique symbol = Symbol('MISSING');

/**
 * A mapping of context variables to values: Python's `contextvars.Context`. Each task runs in its own
 * copy, and a callback in a copy taken when it was scheduled (or in the Context passed as its last
 * argument; API.md §2.6, §6.5). Immutable from outside: only `run()` changes what it holds.
 */
export class Context {
  /** @internal */ _vars: Vars;
  /** @internal */ _entered = false;

  constructor(vars: Vars = EMPTY) {
    this._vars = vars;
  }

  /**
   * Runs `fn(...args)` with this context current; changes it makes stay in this context. RuntimeError
   * if this context is entered already. Python: `Context.run`.
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (this._entered) throw new RuntimeError(`cannot enter context: ${this} is already entered`);
    const prev = current;
    this._entered = true;
    current = this;
    try {
      return fn(...args);
    } finally {
      current = prev;
      this._entered = false;
    }
  }

  /** A shallow copy, in O(1). Python: `Context.copy`. */
  copy(): Context {
    return new Context(this._vars);
  }

  /** The value of `v` in this context, else `dflt` (undefined when not given). Python: `Context.get`. */
  get<T>(v: ContextVar<T>): T | undefined;
  get<T, D>(v: ContextVar<T>, dflt: D): T | D;
  get(v: ContextVar<unknown>, dflt?: unknown): unknown {
    return this._vars.has(v) ? this._vars.get(v) : dflt;
  }

  /** Whether this context holds a value for `v`. Python: `var in context`. */
  has(v: ContextVar<unknown>): boolean {
    return this._vars.has(v);
  }

  /** How many variables have a value here. Python: `len(context)`. */
  get size(): number {
    return this._vars.size;
  }

  /** The variables that have a value here. Python: `Context.keys`. */
  keys(): IterableIterator<ContextVar<unknown>> {
    return this._vars.keys();
  }

  /** The values, in the order of keys(). Python: `Context.values`. */
  values(): IterableIterator<unknown> {
    return this._vars.values();
  }

  /** `[variable, value]` pairs. Python: `Context.items`. */
  entries(): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._vars.entries();
  }

  /** Iterates over the variables (as keys()). Python: `iter(context)`. */
  [Symbol.iterator](): IterableIterator<ContextVar<unknown>> {
    return this._vars.keys();
  }

  /** `<Context vars=N>`. */
  toString(): string {
    return `<Context vars=${this._vars.size}>`;
  }
}

let current = new Context();

/** @internal The context code runs in right now. */
export function currentContext(): Context {
  return current;
}

/**
 * @internal Makes `ctx` current outside of `Context.run`, for code that spans a microtask boundary
 * (a task's async continuation, see attribution.ts). Returns the context to restore with
 * `_exitContext`, or null when `ctx` is already entered (then nothing changed).
 */
export function _enterContext(ctx: Context): Context | null {
  if (ctx._entered) return null;
  const prev = current;
  ctx._entered = true;
  current = ctx;
  return prev;
}

/** @internal Undoes `_enterContext`. */
export function _exitContext(ctx: Context, prev: Context): void {
  current = prev;
  ctx._entered = false;
}

/**
 * @internal The loop runs a batch of callbacks like this, with no allocation per callback:
 *   const prev = currentContext(), saved = enterCallbacks();
 *   try { for each handle: useScratch(vars) (or callInContext for an explicit Context); call }
 *   finally { leaveCallbacks(prev, saved) }
 * Each callback without an explicit context runs in a throw-away copy: one scratch Context is
 * current for the whole batch, and `useScratch` gives it the handle's vars before each callback
 * (a `ContextVar.set` in one callback replaces the scratch's vars, so the next callback, whose
 * vars differ, never sees it). `saved` makes a nested batch (a callback running another batch by
 * hand) safe. Context.run and callInContext restore `current` when they return or throw.
 */
const batchScratch = new Context();

export function enterCallbacks(): Vars {
  current = batchScratch;
  return batchScratch._vars;
}

export function leaveCallbacks(prev: Context, saved: Vars): void {
  current = prev;
  batchScratch._vars = saved;
}

/** @internal Makes a copy of `vars` current for the next callback of a batch. */
export function useScratch(vars: Vars): void {
  if (batchScratch._vars !== vars) batchScratch._vars = vars;
}

/** @internal Context.run(fn, ...args) for a handle's callback, without a rest array: `kind` 0, 1 or 2 (none, one, an array). */
export function callInContext(ctx: Context, fn: (...a: any[]) => unknown, kind: number, args: unknown): unknown {
  if (ctx._entered) throw new RuntimeError(`cannot enter context: ${ctx} is already entered`);
  const prev = current;
  ctx._entered = true;
  current = ctx;
  try {
    return kind === 0 ? fn() : kind === 1 ? fn(args) : fn(...(args as unknown[]));
  } finally {
    current = prev;
    ctx._entered = false;
  }
}

/** A copy of the current context (O(1)). */
export function copyContext(): Context {
  return new Context(current._vars);
}

/**
 * What `ContextVar.set()` returns: `var.reset(token)` restores the value the variable had before
 * (Python's `contextvars.Token`).
 */
export class Token<T> {
  /** The marker `oldValue` holds when the variable had no value before (Python: `Token.MISSING`). */
  static readonly MISSING = MISSING;
  /** @internal */ _used = false;
  constructor(
    /** The variable that made this token (Python: `Token.var`). */
    readonly var_: ContextVar<T>,
    /** The variable's value before set(), or `Token.MISSING` (Python: `Token.old_value`). */
    readonly oldValue: T | typeof MISSING,
    /** @internal */ readonly _ctx: Context,
  ) {}
  /** The variable that made this token (Python: `Token.var`). */
  get var(): ContextVar<T> {
    return this.var_;
  }
  /** `<Token var=…>` (`<Token used var=…>` once reset() used it). */
  toString(): string {
    return `<Token${this._used ? ' used' : ''} var=${this.var_}>`;
  }
}

/**
 * A context variable: Python's `contextvars.ContextVar`. Its value is per context, so each task sees
 * its own (API.md §6.5). TypeError for a name that is not a string.
 */
export class ContextVar<T> {
  /** The variable's name (Python: `ContextVar.name`). */
  readonly name: string;
  private readonly _default: T | typeof MISSING;

  constructor(name: string, opts?: { default?: T }) {
    if (typeof name !== 'string') throw new TypeError('context variable name must be a str');
    this.name = name;
    this._default = opts && 'default' in opts ? (opts.default as T) : MISSING;
  }

  /**
   * The value in the current context; else `dflt`, else the variable's default; else throws
   * LookupError-like Error. Python: `ContextVar.get`.
   */
  get(dflt?: T): T {
    const vars = current._vars;
    if (vars.has(this)) return vars.get(this) as T;
    if (arguments.length > 0) return dflt as T;
    if (this._default !== MISSING) return this._default;
    const e = new Error(`<ContextVar name=${JSON.stringify(this.name)}>`);
    e.name = 'LookupError';
    throw e;
  }

  /** Sets the value in the current context; returns a Token for reset(). Python: `ContextVar.set`. */
  set(value: T): Token<T> {
    const ctx = current;
    const old = ctx._vars.has(this) ? (ctx._vars.get(this) as T) : MISSING;
    const next = new Map(ctx._vars);
    next.set(this, value);
    ctx._vars = next;
    return new Token(this, old, ctx);
  }

  /**
   * Restores the value `token` recorded. TypeError for something that is not a Token, RuntimeError for
   * a token used already, RangeError (Python's ValueError) for a token of another variable or made in
   * another context. Python: `ContextVar.reset`.
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) throw new TypeError(`expected an instance of Token, got ${typeof token}`);
    if (token._used) throw new RuntimeError(`${token} has already been used once`);
    if (token.var_ !== this) throw new RangeError(`${token} was created by a different ContextVar`);
    if (token._ctx !== current) throw new RangeError(`${token} was created in a different Context`);
    const next = new Map(current._vars);
    if (token.oldValue === MISSING) next.delete(this);
    else next.set(this, token.oldValue);
    current._vars = next;
    token._used = true;
  }

  /** `<ContextVar name="…">`. */
  toString(): string {
    return `<ContextVar name=${JSON.stringify(this.name)}>`;
  }
}
