/**
 * loop.runInExecutor (asyncio's run_in_executor) and the default worker pool.
 *
 * An `Executor` is anything with `submit(fn, args)` returning a promise (asyncio's
 * concurrent.futures.Executor, the JavaScript way). The default one, `WorkerPoolExecutor`, is a
 * pool of worker threads sized to the host's cores, on `workerpool` (Node worker_threads and
 * browser Web Workers alike). It is loaded on first use with a dynamic import, so the portable
 * entry imports nothing host-specific at load time.
 *
 * What runs in a worker must be shippable:
 * - a self-contained function (or arrow function): its *source* is sent and rebuilt in the worker
 *   with `new Function`, so it sees its parameters and globals, never the variables it closed over
 *   (a page whose Content-Security-Policy forbids eval cannot use this form);
 * - or the name of a function registered by a worker script of your own
 *   (`new WorkerPoolExecutor({ script })`, the script calling `workerpool.worker({ name: fn })`).
 * Arguments and results are structured-cloned.
 */
import { CancelledError, RuntimeError, describe } from './errors.js';
import type { Future } from './futures.js';
import { host } from './hosts/index.js';
import { EventLoop, _ext } from './loop.js';
import { wrapThenable } from './tasks.js';

/** Where runInExecutor sends work. */
export interface Executor {
  /** Starts `fn(...args)`; a promise of its result. A returned `cancel()` method is used by Future.cancel(). */
  submit(fn: unknown, args: unknown[]): PromiseLike<unknown> & { cancel?: () => unknown };
  /** Stops taking work; with `wait`, resolves once running calls finished, else ends them at once. */
  shutdown?(wait: boolean): Promise<void> | void;
}

export interface WorkerPoolExecutorOptions {
  /** Workers at most (default: the host's logical processors). */
  maxWorkers?: number;
  /** A worker script that registers named functions with `workerpool.worker({...})`. */
  script?: string;
}

interface Pool {
  exec(method: unknown, params: unknown[]): PromiseLike<unknown> & { cancel(): unknown };
  terminate(force?: boolean): PromiseLike<unknown>;
}

/** A pool of worker threads (Node) or Web Workers (browsers), on `workerpool`. */
export class WorkerPoolExecutor implements Executor {
  readonly maxWorkers: number;
  private readonly script: string | undefined;
  private pool: Promise<Pool> | null = null;
  private closed = false;

  constructor(opts: WorkerPoolExecutorOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`options must be an object, got ${describe(opts)}`);
    const max = opts.maxWorkers ?? host.cores();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxWorkers must be an integer >= 1, got ${describe(max)}`);
    if (opts.script !== undefined && typeof opts.script !== 'string') throw new TypeError(`script must be a string (a URL or path), got ${describe(opts.script)}`);
    this.maxWorkers = max;
    this.script = opts.script;
  }

  submit(fn: unknown, args: unknown[]): Promise<unknown> & { cancel: () => void } {
    if (this.closed) throw new RuntimeError('cannot schedule new futures after shutdown');
    let inner: { cancel(): unknown } | null = null;
    let cancelled = false;
    const p = this.load().then((pool) => {
      if (cancelled) throw new CancelledError();
      const r = pool.exec(fn, args);
      inner = r;
      return r;
    });
    return Object.assign(p, {
      cancel: () => {
        cancelled = true;
        inner?.cancel();
      },
    });
  }

  async shutdown(wait = true): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    if (pool !== null) await (await pool).terminate(!wait);
  }

  private load(): Promise<Pool> {
    // a computed specifier, so that bundlers for the browser do not pull Node's branch of workerpool in
    const specifier = 'workerpool';
    return (this.pool ??= import(/* @vite-ignore */ specifier).then((m) => {
      const wp = ((m as unknown as { default?: unknown }).default ?? m) as { pool(script?: string, opts?: object): Pool };
      const opts = { maxWorkers: this.maxWorkers };
      return this.script === undefined ? wp.pool(opts as never) : wp.pool(this.script, opts);
    }));
  }
}

function checkShippable(fn: unknown): void {
  if (typeof fn === 'string') {
    if (fn.length === 0) throw new TypeError('runInExecutor() needs a function or the name of a registered worker function, got an empty string');
    return;
  }
  if (typeof fn !== 'function') throw new TypeError(`runInExecutor() needs a function or the name of a registered worker function, got ${describe(fn)}`);
}

function checkSourceShippable(fn: unknown): void {
  if (typeof fn === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn)))
    throw new TypeError(`runInExecutor() ships a function by its source, and ${describe(fn)} has none (a native or bound function): wrap it, e.g. (x) => Math.sqrt(x)`);
}

function checkExecutor(executor: unknown): asserts executor is Executor {
  if (executor === null || typeof executor !== 'object' || typeof (executor as Executor).submit !== 'function')
    throw new TypeError(`executor must have a submit(fn, args) method, or be null for the default pool; got ${describe(executor)}`);
}

const DEFAULT = 'defaultExecutor';

const SHUT_DOWN = 'defaultExecutorShutDown';

function defaultExecutor(loop: EventLoop): Executor {
  let ex = loop._extra[DEFAULT] as Executor | undefined;
  if (ex === undefined) {
    if (loop._extra[SHUT_DOWN]) throw new RuntimeError('Executor shutdown has been called');
    loop._extra[DEFAULT] = ex = new WorkerPoolExecutor();
  }
  return ex;
}

_ext.runInExecutor = (loop, executor, fn, args): Future<unknown> => {
  checkShippable(fn);
  if (executor !== null && executor !== undefined) checkExecutor(executor);
  const ex = executor ?? defaultExecutor(loop);
  if (ex instanceof WorkerPoolExecutor) checkSourceShippable(fn);
  const p = ex.submit(fn, args);
  const fut = wrapThenable(p, loop);
  if (typeof p.cancel === 'function')
    fut.addDoneCallback((f) => {
      if (f.cancelled()) p.cancel!();
    });
  return fut;
};

_ext.setDefaultExecutor = (loop, executor) => {
  checkExecutor(executor);
  loop._extra[DEFAULT] = executor;
};

_ext.shutdownDefaultExecutor = async (loop, wait) => {
  loop._extra[SHUT_DOWN] = true;
  const ex = loop._extra[DEFAULT] as Executor | undefined;
  if (ex === undefined) return;
  loop._extra[DEFAULT] = undefined;
  await ex.shutdown?.(wait);
};
