/**
 * What the loop's executor methods call (loop.runInExecutor, setDefaultExecutor,
 * shutdownDefaultExecutor): the checks at the call site and the loop's default executor. The
 * default pool itself (executor.ts: WorkerPoolExecutor and its worker source) is loaded with
 * `import()` by the first call that needs it, so a bundler that splits at dynamic imports (rollup,
 * Vite) leaves the pool out of the first chunk of an app that never runs work in it. An app that
 * imports WorkerPoolExecutor has the module already; once it is loaded every call starts at once.
 *
 * While the pool loads, calls wait in order for it: each gets its Future at once (and at once the
 * errors the pool would raise at once), submits when the module is there, and a Future cancelled
 * meanwhile submits nothing.
 */
import { RuntimeError, describe } from './errors.js';
import type { Future } from './futures.js';
import { host } from './hosts/index.js';
import type { EventLoop } from './loop.js';
import { wrapThenable } from './tasks.js';
import type { Executor } from './executor.js';

/** Set on executors that ship a function by its source (WorkerPoolExecutor): a native function has none. */
export const SHIPS_SOURCE: unique symbol = Symbol('wasmloop.shipsSource');

let Pool: (new () => Executor) | null = null;
let loading: Promise<void> | null = null;

function loadPool(): Promise<void> {
  loading ??= import('./executor.js').then((m) => {
    Pool = m.WorkerPoolExecutor;
  });
  return loading;
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

/** The loop's default executor, made now if the pool is loaded; undefined while it must be loaded first. */
function defaultExecutor(loop: EventLoop): Executor | undefined {
  let ex = loop._extra[DEFAULT] as Executor | undefined;
  if (ex === undefined) {
    if (loop._extra[SHUT_DOWN]) throw new RuntimeError('Executor shutdown has been called');
    if (Pool === null) return undefined;
    loop._extra[DEFAULT] = ex = new Pool();
  }
  return ex;
}

function submitTo(ex: Executor, fn: unknown, args: unknown[], loop: EventLoop): Future<unknown> {
  const p = ex.submit(fn, args);
  const fut = wrapThenable(p, loop);
  if (typeof p.cancel === 'function')
    fut.addDoneCallback((f) => {
      if (f.cancelled()) p.cancel!();
    });
  return fut;
}

/** @internal loop.runInExecutor() */
export function runInExecutorOn(loop: EventLoop, executor: Executor | null | undefined, fn: unknown, args: unknown[]): Future<unknown> {
  checkShippable(fn);
  if (executor !== null && executor !== undefined) {
    checkExecutor(executor);
    if ((executor as { [SHIPS_SOURCE]?: boolean })[SHIPS_SOURCE] === true) checkSourceShippable(fn);
    return submitTo(executor, fn, args, loop);
  }
  const ex = defaultExecutor(loop);
  if (ex !== undefined) {
    if ((ex as { [SHIPS_SOURCE]?: boolean })[SHIPS_SOURCE] === true) checkSourceShippable(fn);
    return submitTo(ex, fn, args, loop);
  }
  // no default yet and the pool not loaded: what a new pool's submit() refuses at once is refused
  // at once here too; the rest waits in order (the calls queued on the load run before later ones)
  checkSourceShippable(fn);
  if (host.spawnWorker === null) throw new RuntimeError(`this host (${host.name}) cannot start workers`);
  if (typeof fn === 'string') throw new TypeError(`runInExecutor() was given the name '${fn}', but this pool has no module to find it in: new WorkerPoolExecutor({ script: moduleUrl })`);
  let cancelled = false;
  let started: { cancel?: () => unknown } | null = null;
  const fut = wrapThenable(
    loadPool().then(() => {
      if (cancelled) return undefined; // the Future is done: nothing to run, nothing to settle
      const p = defaultExecutor(loop)!.submit(fn, args); // throws once shutdownDefaultExecutor ran meanwhile
      started = p;
      return p;
    }),
    loop,
  );
  fut.addDoneCallback((f) => {
    if (!f.cancelled()) return;
    cancelled = true;
    started?.cancel?.();
  });
  return fut;
}

/** @internal loop.setDefaultExecutor() */
export function setDefaultExecutorOn(loop: EventLoop, executor: Executor): void {
  checkExecutor(executor);
  loop._extra[DEFAULT] = executor;
}

/** @internal loop.shutdownDefaultExecutor() */
export async function shutdownDefaultExecutorOn(loop: EventLoop, wait: boolean): Promise<void> {
  loop._extra[SHUT_DOWN] = true;
  const ex = loop._extra[DEFAULT] as Executor | undefined;
  if (ex === undefined) return;
  loop._extra[DEFAULT] = undefined;
  await ex.shutdown?.(wait);
}
