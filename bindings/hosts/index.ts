/**
 * Host adapter: everything that differs between Node, Deno, Bun and browsers lives behind this
 * one object — how to yield to the host's own event loop, how to sleep, whether this thread is
 * the main thread, whether it may block, and environment flags. Nothing here imports a host
 * module at load time, so the portable entry bundles for a browser unchanged.
 */
export interface Host {
  readonly name: 'node' | 'deno' | 'bun' | 'browser' | 'worker' | 'unknown';
  /** Resolves on a fresh macrotask: every pending promise reaction has run, host I/O had a turn. */
  yieldToHost(): Promise<void>;
  /** Calls `fn` after `ms` milliseconds of host time; returns a canceller. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(t: unknown): void;
  isMainThread(): boolean;
  threadName(): string;
  /** Whether `Atomics.wait` may block this thread. */
  canBlock(): boolean;
  /** An environment variable, where the host has them and lets us read them. */
  env(name: string): string | undefined;
  now(): number;
  /**
   * Atomics.waitAsync where the host has it: a promise that settles once `i32[index]` is notified
   * (or no longer holds `value`); null where the host lacks it (then a message wakes the loop).
   */
  waitAsync: ((i32: Int32Array, index: number, value: number) => Promise<unknown>) | null;
  /** Logical processors, for sizing worker pools. */
  cores(): number;
}

const g = globalThis as any;

function detectName(): Host['name'] {
  if (typeof g.Bun !== 'undefined') return 'bun';
  if (typeof g.Deno !== 'undefined') return 'deno';
  if (typeof g.process !== 'undefined' && g.process.versions?.node) return 'node';
  if (typeof g.WorkerGlobalScope !== 'undefined' && g instanceof g.WorkerGlobalScope) return 'worker';
  if (typeof g.window !== 'undefined' && typeof g.document !== 'undefined') return 'browser';
  return 'unknown';
}

function nodeWorkerThreads(): any {
  try {
    return g.process?.getBuiltinModule?.('node:worker_threads');
  } catch {
    return undefined;
  }
}

function makeYield(): () => Promise<void> {
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate as (f: () => void) => unknown;
    return () => new Promise<void>((resolve) => void si(resolve));
  }
  if (typeof g.MessageChannel === 'function') {
    // one channel, a FIFO of waiters: never the 4 ms-clamped nested setTimeout
    const ch = new g.MessageChannel();
    const waiters: Array<() => void> = [];
    ch.port1.onmessage = () => {
      const w = waiters.shift();
      if (w) w();
    };
    return () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        ch.port2.postMessage(0);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}

let blockable: boolean | undefined;

function probeBlocking(): boolean {
  if (blockable !== undefined) return blockable;
  try {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return (blockable = false);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // value differs: returns at once
    blockable = true;
  } catch {
    blockable = false; // a browser's main thread throws TypeError
  }
  return blockable;
}

function makeHost(): Host {
  const name = detectName();
  const perf = g.performance;
  const now: () => number = perf && typeof perf.now === 'function' ? () => perf.now() : () => Date.now();
  return {
    name,
    yieldToHost: makeYield(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (t) => clearTimeout(t as any),
    isMainThread() {
      if (name === 'bun' && typeof g.Bun.isMainThread === 'boolean') return g.Bun.isMainThread;
      if (name === 'node') {
        const wt = nodeWorkerThreads();
        if (wt) return wt.isMainThread;
      }
      return !(typeof g.WorkerGlobalScope !== 'undefined' && g instanceof g.WorkerGlobalScope);
    },
    threadName() {
      if (this.isMainThread()) return 'MainThread';
      if (name === 'node') {
        const wt = nodeWorkerThreads();
        if (wt) return `Worker-${wt.threadId}`;
      }
      return typeof g.name === 'string' && g.name ? g.name : 'Worker';
    },
    canBlock: probeBlocking,
    env(key) {
      try {
        if (name === 'deno') return g.Deno.env.get(key) ?? undefined;
        return g.process?.env?.[key];
      } catch {
        return undefined; // Deno without --allow-env
      }
    },
    now,
    waitAsync: makeWaitAsync(),
    cores() {
      const n = g.navigator?.hardwareConcurrency;
      if (typeof n === 'number' && n > 0) return n;
      try {
        const os = g.process?.getBuiltinModule?.('node:os');
        if (os) return os.availableParallelism?.() ?? os.cpus().length;
      } catch {
        // fall through
      }
      return 4;
    },
  };
}

function makeWaitAsync(): Host['waitAsync'] {
  const wa = (Atomics as { waitAsync?: (a: Int32Array, i: number, v: number) => { async: boolean; value: unknown } }).waitAsync;
  if (typeof wa !== 'function') return null;
  return (i32, index, value) => {
    const r = wa(i32, index, value);
    return r.async ? (r.value as Promise<unknown>) : Promise.resolve(r.value);
  };
}

export const host: Host = makeHost();
