/**
 * loop.runInExecutor (asyncio's run_in_executor) and the default worker pool.
 *
 * An `Executor` is anything with `submit(fn, args)` returning a promise (asyncio's
 * concurrent.futures.Executor, the JavaScript way). The default one, `WorkerPoolExecutor`, is a
 * pool of workers sized to the host's cores, of our own and dependency-free: the host adapter
 * starts each worker from the source text below (Node: a worker_threads worker with `eval`;
 * browsers, Deno and Bun: a module Web Worker from a blob URL), so nothing host-specific is
 * imported, at load time or later, and the pool works in a bundled browser app.
 *
 * What runs in a worker must be shippable:
 * - a self-contained function (or arrow function): its *source* is sent and rebuilt in the worker
 *   with `new Function` (once per worker and source), so it sees its parameters and globals, never
 *   the variables it closed over (a page whose Content-Security-Policy forbids eval cannot use it);
 * - or the name of a function exported by the pool's module (`new WorkerPoolExecutor({ script })`:
 *   the worker imports that module URL on its first named call and calls the export by name).
 * loop.runInExecutor loads this module when it first needs the default pool (executor-calls.ts).
 * Arguments and results are structured-cloned. Each worker runs one call at a time; calls wait in
 * FIFO order for a free worker. Cancelling a running call terminates its worker (a new one is
 * started when work needs it); an error in the worker becomes the Future's exception.
 */
import { CancelledError, RuntimeError, describe } from './errors.js';
import { host } from './hosts/index.js';
import type { HostWorker } from './hosts/types.js';
import { unpackError, type PackedError } from './serialize.js';
import { SHIPS_SOURCE } from './executor-calls.js';

/** Where runInExecutor sends work. */
export interface Executor {
  /** Starts `fn(...args)`; a promise of its result. A returned `cancel()` method is used by Future.cancel(). */
  submit(fn: unknown, args: unknown[]): PromiseLike<unknown> & { cancel?: () => unknown };
  /** Stops taking work; with `wait`, resolves once running calls finished, else ends them at once. */
  shutdown?(wait: boolean): Promise<void> | void;
}

/** Options of `new WorkerPoolExecutor()`. */
export interface WorkerPoolExecutorOptions {
  /** Workers at most (default: the host's logical processors). */
  maxWorkers?: number;
  /**
   * An ES module (a URL, or a string: an absolute URL, else resolved against the page's location,
   * or in Node, Deno and Bun against the working directory) whose named exports
   * `runInExecutor(pool, 'name', ...args)` calls by name.
   */
  script?: string | URL;
}

/**
 * The worker: script text that also parses as a module (no import statement, no top-level
 * await), for Node's `eval` workers and module Web Workers alike; the host adapter puts
 * `post(message)` and `listen(onMessage)` ahead of it (hosts/types.ts: SpawnWorker). SCRIPT is
 * spliced in per pool.
 */
const WORKER_SOURCE = `const SCRIPT = %SCRIPT%;
const compiled = new Map();
let mod = null;
function pack(e) {
  return e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : { thrown: e };
}
async function find(m) {
  if (m.src !== undefined) {
    let f = compiled.get(m.src);
    if (f === undefined) compiled.set(m.src, (f = new Function('return (' + m.src + '\\n)')()));
    return f;
  }
  const exports = await (mod ??= import(SCRIPT));
  const f = exports[m.name];
  if (typeof f !== 'function') throw new TypeError('the worker module ' + SCRIPT + " exports no function named '" + m.name + "'");
  return f;
}
function reply(id, ok, value) {
  try {
    post(ok ? { id, ok, value } : { id, ok, error: pack(value) });
  } catch (e) {
    const why = ok ? 'the result could not be sent back' : 'the error could not be sent back';
    post({ id, ok: false, error: { name: 'TypeError', message: why + ': ' + (e && e.message) } });
  }
}
function onMessage(m) {
  find(m).then((f) => f(...m.args)).then((v) => reply(m.id, true, v), (e) => reply(m.id, false, e));
}
listen(onMessage);
post({ ready: true });
`;

interface Job {
  readonly msg: { id: number; src?: string; name?: string; args: unknown[] };
  resolve(v: unknown): void;
  reject(e: unknown): void;
  slot: Slot | null;
  done: boolean;
}

interface Slot {
  worker: HostWorker | null;
  job: Job | null;
}

type Reply = { id?: number; ready?: true; ok: boolean; value?: unknown; error?: PackedError };

function resolveScript(script: string | URL): string {
  if (script instanceof URL) return script.href;
  try {
    return new URL(script).href; // already absolute
  } catch {
    const base = host.baseUrl();
    if (base === null) throw new TypeError(`script ${describe(script)} is relative, and this host has no base to resolve it against: pass an absolute URL`);
    return new URL(script, base).href;
  }
}

/** A pool of worker threads (Node) or Web Workers (browsers, Deno, Bun). */
export class WorkerPoolExecutor implements Executor {
  /** @internal runInExecutor checks that a function has source text before it ships it here */
  readonly [SHIPS_SOURCE] = true;
  /** Workers at most, as given (default: the host's logical processors). */
  readonly maxWorkers: number;
  private readonly script: string | null;
  private readonly source: string;
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private running = 0;
  private closed = false;
  private whenIdle: Array<() => void> = [];

  constructor(opts: WorkerPoolExecutorOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`options must be an object, got ${describe(opts)}`);
    const max = opts.maxWorkers ?? host.cores();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxWorkers must be an integer >= 1, got ${describe(max)}`);
    if (opts.script !== undefined && typeof opts.script !== 'string' && !(opts.script instanceof URL))
      throw new TypeError(`script must be a module URL (a string or URL), got ${describe(opts.script)}`);
    this.maxWorkers = max;
    this.script = opts.script === undefined ? null : resolveScript(opts.script);
    this.source = WORKER_SOURCE.replace('%SCRIPT%', JSON.stringify(this.script));
  }

  /**
   * Starts `fn(...args)` in a worker (a function is sent by its source; a string names an export of
   * the pool's module); a promise of its result, with `cancel()` to drop the call if it has not
   * started. RuntimeError after shutdown or where the host cannot start workers; TypeError for
   * anything but a function or a name.
   */
  submit(fn: unknown, args: unknown[]): Promise<unknown> & { cancel: () => void } {
    if (this.closed) throw new RuntimeError('cannot schedule new futures after shutdown');
    if (host.spawnWorker === null) throw new RuntimeError(`this host (${host.name}) cannot start workers`);
    if (typeof fn === 'string' && this.script === null)
      throw new TypeError(`runInExecutor() was given the name '${fn}', but this pool has no module to find it in: new WorkerPoolExecutor({ script: moduleUrl })`);
    if (typeof fn !== 'string' && typeof fn !== 'function') throw new TypeError(`submit() needs a function or a function's name, got ${describe(fn)}`);
    const msg = typeof fn === 'string' ? { id: this.nextId++, name: fn, args } : { id: this.nextId++, src: Function.prototype.toString.call(fn), args };
    let job!: Job;
    const p = new Promise<unknown>((resolve, reject) => {
      job = { msg, resolve, reject, slot: null, done: false };
    });
    this.queue.push(job);
    this.dispatch();
    return Object.assign(p, { cancel: () => this.cancel(job) });
  }

  async shutdown(wait = true): Promise<void> {
    this.closed = true;
    if (wait && (this.running > 0 || this.queue.length > 0)) await new Promise<void>((resolve) => this.whenIdle.push(resolve));
    for (const job of this.queue.splice(0)) this.settle(job, false, new CancelledError());
    for (const slot of [...this.slots]) {
      if (slot.job !== null) this.settle(slot.job, false, new CancelledError());
      this.kill(slot);
    }
    this.idle.length = 0;
  }

  /** Starts waiting calls on idle workers, starting workers up to maxWorkers. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot: Slot | null | undefined = this.idle.pop();
      if (slot === undefined) {
        if (this.slots.size >= this.maxWorkers) return;
        slot = this.spawn(this.queue[0]!);
        if (slot === null) continue; // the worker could not start: its job was rejected
      }
      const job = this.queue.shift()!;
      try {
        slot.worker!.post(job.msg);
      } catch (e) {
        this.idle.push(slot); // the arguments could not be cloned: the worker is fine
        this.settle(job, false, e);
        continue;
      }
      slot.job = job;
      job.slot = slot;
      this.running++;
      slot.worker!.keepAlive(true);
    }
  }

  private spawn(first: Job): Slot | null {
    const slot: Slot = { worker: null, job: null };
    try {
      slot.worker = host.spawnWorker!(
        this.source,
        (m: Reply) => this.onReply(slot, m),
        (e) => this.onFailure(slot, e),
      );
    } catch (e) {
      this.queue.shift();
      this.settle(first, false, new RuntimeError(`could not start a worker: ${(e as Error)?.message ?? String(e)}`));
      return null;
    }
    this.slots.add(slot);
    return slot;
  }

  private onReply(slot: Slot, m: Reply): void {
    const job = slot.job;
    if (m.ready || job === null || m.id !== job.msg.id) return;
    this.release(slot);
    this.settle(job, m.ok, m.ok ? m.value : unpackError(m.error!));
    this.idle.push(slot);
    this.dispatch();
  }

  /** The worker died or threw outside a call (a script that fails to load…): its call fails, a new worker takes its place. */
  private onFailure(slot: Slot, e: Error): void {
    if (slot.worker === null) return;
    const job = slot.job;
    this.kill(slot);
    if (job !== null) this.settle(job, false, e);
    this.dispatch();
  }

  private cancel(job: Job): void {
    if (job.done) return;
    if (job.slot === null) this.queue.splice(this.queue.indexOf(job), 1);
    else this.kill(job.slot); // the only way to stop a call that runs: end its worker
    this.settle(job, false, new CancelledError());
    this.dispatch();
  }

  private release(slot: Slot): void {
    if (slot.job === null) return;
    slot.job.slot = null;
    slot.job = null;
    this.running--;
    slot.worker?.keepAlive(false);
  }

  private kill(slot: Slot): void {
    this.release(slot);
    this.slots.delete(slot);
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    slot.worker?.terminate();
    slot.worker = null;
  }

  private settle(job: Job, ok: boolean, value: unknown): void {
    if (job.done) return;
    job.done = true;
    job.slot = null;
    if (ok) job.resolve(value);
    else job.reject(value);
    if (this.running === 0 && this.queue.length === 0) for (const w of this.whenIdle.splice(0)) w();
  }
}
