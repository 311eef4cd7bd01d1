/**
 * The parts of a host adapter that several hosts share: the two ways to yield to the host, the
 * Atomics.wait probe, base64 decoding, and the clock. Every function here is feature-detected and
 * portable; the adapters (node.ts, deno.ts, bun.ts, browser.ts) choose among them.
 */
import type { Host, HostWorker, SpawnWorker } from './types.js';

export const g = globalThis as any;

/** setImmediate: a fresh macrotask after I/O (Node, Bun, Deno). */
export function setImmediateYield(): () => Promise<void> {
  const si = g.setImmediate as (f: () => void) => unknown;
  return () => new Promise<void>((resolve) => void si(resolve));
}

/**
 * MessageChannel: a fresh macrotask without the nested-setTimeout clamp (browsers). One channel,
 * a FIFO of waiters, one message per waiter.
 */
export function messageChannelYield(): () => Promise<void> {
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

/** The best yield this host has: setImmediate, else MessageChannel, else (last resort) setTimeout. */
export function bestYield(): () => Promise<void> {
  if (typeof g.setImmediate === 'function') return setImmediateYield();
  if (typeof g.MessageChannel === 'function') return messageChannelYield();
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** Whether Atomics.wait works on this thread: a zero-timeout wait on a value that differs returns at once. */
export function probeBlocking(): boolean {
  try {
    if (typeof SharedArrayBuffer !== 'function' || typeof Atomics?.wait !== 'function') return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false; // a browser window's main thread throws TypeError
  }
}

/** A Web Worker (a browser's, or Deno's): its global scope is a WorkerGlobalScope. */
export function inWebWorker(): boolean {
  return typeof g.WorkerGlobalScope === 'function' && g instanceof g.WorkerGlobalScope;
}

/**
 * node:worker_threads where the host has it (Node, and Bun's and Deno's compatibility), reached
 * through process.getBuiltinModule so that nothing is imported at load time; undefined elsewhere
 * (and before Node 20.16, which has no getBuiltinModule).
 */
export function workerThreads(): { isMainThread: boolean; threadId: number } | undefined {
  try {
    return g.process?.getBuiltinModule?.('node:worker_threads');
  } catch {
    return undefined;
  }
}

export function hasSharedArrayBuffer(): boolean {
  return typeof SharedArrayBuffer === 'function';
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes base64: Uint8Array.fromBase64 where present, else atob, else by hand. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (typeof (Uint8Array as any).fromBase64 === 'function') return (Uint8Array as any).fromBase64(text);
  if (typeof g.atob === 'function') {
    const bin: string = g.atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  return decodeBase64ByHand(text);
}

/** The last resort, for an engine with neither (exported for the tests). */
export function decodeBase64ByHand(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array((clean.length * 3) >> 2);
  let acc = 0;
  let bits = 0;
  let j = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = ((acc << 6) | ALPHABET.indexOf(clean[i]!)) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** A directory as a file: URL ending in '/' (Windows drive letters included). */
export function directoryUrl(dir: string): string {
  return new URL(`file://${dir.replace(/\\/g, '/').replace(/^(?=[A-Za-z]:)/, '/')}/`).href;
}

/** The working directory of a process (Node, Bun), as a file: URL; null where it cannot be read. */
export function processCwdUrl(): string | null {
  try {
    const cwd = g.process?.cwd?.();
    return typeof cwd === 'string' ? directoryUrl(cwd) : null;
  } catch {
    return null;
  }
}

export function monotonicNow(): () => number {
  const perf = g.performance;
  return perf && typeof perf.now === 'function' ? () => perf.now() : () => Date.now();
}

const UNSHARED = 'SharedArrayBuffer is not available in this host';

/**
 * The adapter fields every host fills the same way unless it knows better: each adapter spreads
 * this and overrides what differs (and a host we do not recognise gets exactly this).
 */
export function portableHost(): Host {
  let blockable: boolean | undefined;
  return {
    name: 'unknown',
    version: '',
    yieldToHost: bestYield(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (t) => clearTimeout(t as any),
    isMainThread: () => true,
    threadName: () => 'MainThread',
    canBlock: () => (blockable ??= probeBlocking()),
    blockingRefusal: () => (hasSharedArrayBuffer() ? 'Atomics.wait is not allowed on this thread' : UNSHARED),
    sharedMemory: hasSharedArrayBuffer,
    sharedMemoryRefusal: () => UNSHARED,
    env: () => undefined,
    now: monotonicNow(),
    decodeBase64,
    waitAsync: makeWaitAsync(),
    baseUrl: () => (typeof g.location?.href === 'string' ? g.location.href : null),
    errorsKeepCallSites: false,
    channelsOpenLate: false,
    refChannel: (channel, on) => void (channel as { ref?: () => void; unref?: () => void })[on ? 'ref' : 'unref']?.(),
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
    spawnWorker: webWorkers(),
  };
}

/**
 * Web Workers from a blob URL, as module workers (browsers, Deno, Bun). The URL is revoked once
 * the worker has spoken (its first message, or an error), when it has surely been fetched.
 */
export function webWorkers(): SpawnWorker | null {
  const W = g.Worker;
  if (typeof W !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') return null;
  return (source, onMessage, onError): HostWorker => {
    const text = `'use strict';\nconst post = (m) => globalThis.postMessage(m);\nconst listen = (f) => globalThis.addEventListener('message', (e) => f(e.data));\n${source}`;
    let url: string | null = g.URL.createObjectURL(new g.Blob([text], { type: 'text/javascript' }));
    const revoke = (): void => {
      if (url !== null) g.URL.revokeObjectURL(url);
      url = null;
    };
    let w: any;
    try {
      w = new W(url, { type: 'module' });
    } catch (e) {
      revoke();
      throw e;
    }
    w.onmessage = (e: { data: unknown }) => {
      revoke();
      onMessage(e.data);
    };
    w.onerror = (e: { message?: string; preventDefault?(): void }) => {
      e.preventDefault?.(); // handled here: not reported again as the page's error
      revoke();
      onError(new Error(e.message || 'the worker failed to start or threw outside a call'));
    };
    w.onmessageerror = () => onError(new Error('a message from the worker could not be deserialized'));
    return {
      post: (m) => w.postMessage(m),
      terminate() {
        revoke();
        w.terminate();
      },
      keepAlive: (on) => void (on ? w.ref : w.unref)?.call(w), // Bun and Deno have them
    };
  };
}

function makeWaitAsync(): Host['waitAsync'] {
  const wa = (Atomics as { waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => { async: boolean; value: unknown } }).waitAsync;
  if (typeof wa !== 'function') return null;
  return (i32, index, value, timeoutMs) => {
    const r = wa(i32, index, value, timeoutMs);
    return r.async ? (r.value as Promise<unknown>) : Promise.resolve(r.value);
  };
}
