/**
 * The host contract: everything the loop asks of the JavaScript runtime it runs in. One adapter
 * per host family implements it (node.ts, deno.ts, bun.ts, browser.ts); index.ts picks one at
 * load time by feature detection. Adapters import no host module at load time (Node's built-ins
 * are reached through `process.getBuiltinModule`), so every adapter bundles for a browser.
 */
/** A worker the executor pool started (hosts/*: spawnWorker). */
export interface HostWorker {
  post(message: unknown): void;
  terminate(): void;
  /** Whether this worker keeps the host process alive (an idle pool's workers do not). */
  keepAlive(on: boolean): void;
}

/**
 * Starts a worker running `source`: script text that also parses as a module, reaching its parent
 * through two functions the adapter defines ahead of it, `post(message)` and `listen(onMessage)`
 * (a Web Worker's postMessage and message events; Node's parentPort).
 */
export type SpawnWorker = (source: string, onMessage: (message: any) => void, onError: (error: Error) => void) => HostWorker;

export type HostName = 'node' | 'deno' | 'bun' | 'browser' | 'worker' | 'unknown';

export interface Host {
  readonly name: HostName;
  /** The runtime's own version string, for reports ('20.20.2', '2.9.6', Chromium's user agent…). */
  readonly version: string;
  /**
   * Resolves on a fresh macrotask: every pending promise reaction has run and host I/O, rendering
   * and host timers had a turn. Never the 4 ms-clamped nested `setTimeout(0)`.
   */
  yieldToHost(): Promise<void>;
  /** Sleeps in the host: calls `fn` after `ms` milliseconds (ms >= 1); returns a token for clearTimer. */
  setTimer(fn: () => void, ms: number): unknown;
  /** Wakes early: the timer set by setTimer will not fire. */
  clearTimer(t: unknown): void;
  /** Node's main thread, a browser window, the main module of Deno and Bun. */
  isMainThread(): boolean;
  threadName(): string;
  /** Whether `Atomics.wait` may block this thread. */
  canBlock(): boolean;
  /** Why this thread may not block (only meaningful when canBlock() is false). */
  blockingRefusal(): string;
  /** Whether SharedArrayBuffer (and so a shared WebAssembly memory) can be had here. */
  sharedMemory(): boolean;
  /** Why shared memory cannot be had (only meaningful when sharedMemory() is false). */
  sharedMemoryRefusal(): string;
  /** An environment variable, where the host has them and lets us read them. */
  env(name: string): string | undefined;
  /** Milliseconds from a monotonic origin (performance.now). */
  now(): number;
  /** Decodes the embedded WebAssembly binaries (base64) with the host's fastest decoder. */
  decodeBase64(text: string): Uint8Array<ArrayBuffer>;
  /**
   * Atomics.waitAsync where the host has it: a promise that settles once `i32[index]` is notified
   * (or no longer holds `value`), or after `timeoutMs` if given; null where the host lacks it
   * (then a message wakes the loop).
   */
    waitAsync: ((i32: Int32Array, index: number, value: number, timeoutMs?: number) => Promise<unknown>) | null;
  /**
   * Whether an open BroadcastChannel with a listener keeps this thread alive (`on`) or not: Node
   * and Bun have ref()/unref(); Deno keeps a thread alive for any open channel unless told through
   * its internal refBroadcastChannel; browsers never keep a thread for a channel.
   */
  refChannel(channel: BroadcastChannel, on: boolean): void;
  /**
   * Whether a new BroadcastChannel starts receiving only some time after it is made: a browser
   * registers it with its browser process asynchronously, so a message another thread posts at
   * once may find it not there yet (Node, Deno and Bun register it before the constructor returns).
   */
  readonly channelsOpenLate: boolean;
  /**
   * The URL relative module URLs are resolved against: the page's location in a browser, the
   * working directory (as a file: URL ending in '/') in Node, Deno and Bun; null where there is none.
   */
  baseUrl(): string | null;
  /**
   * Whether an Error keeps its call sites, receivers included, even once its stack is formatted
   * (Deno: its stack formatting hangs on to them; V8 elsewhere drops them when formatting).
   */
  readonly errorsKeepCallSites: boolean;
  /** Logical processors, for sizing worker pools. */
  cores(): number;
  /** How this host starts a worker from source text; null where it cannot. */
  spawnWorker: SpawnWorker | null;
}
