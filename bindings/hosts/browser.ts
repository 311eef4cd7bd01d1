/**
 * Browsers, a window or a Web Worker: MessageChannel to yield (setTimeout(0) is clamped to 4 ms
 * once nested), setTimeout to sleep. SharedArrayBuffer, and so a shared WebAssembly memory and
 * Atomics.wait, exists only on cross-origin-isolated pages (served with
 * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`);
 * a window's main thread may never block. No environment variables.
 */
import { g, hasSharedArrayBuffer, inWebWorker, portableHost, probeBlocking } from './common.js';
import type { Host } from './types.js';

const NOT_ISOLATED =
  'this page is not cross-origin isolated, so SharedArrayBuffer is unavailable: serve it with the headers ' +
  "'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'";

export function browserHost(): Host {
  const worker = inWebWorker();
  let blockable: boolean | undefined;
  const shared = (): boolean => hasSharedArrayBuffer() && g.crossOriginIsolated !== false;
  return {
    ...portableHost(),
    name: worker ? 'worker' : 'browser',
    version: String(g.navigator?.userAgent ?? ''),
    isMainThread: () => !worker,
    threadName: () => (worker ? (typeof g.name === 'string' && g.name) || 'Worker' : 'MainThread'),
    canBlock: () => (blockable ??= worker && probeBlocking()),
    blockingRefusal: () =>
      !worker ? "a browser window's main thread may not block (Atomics.wait): run it in a Web Worker" : shared() ? 'Atomics.wait is not allowed on this thread' : NOT_ISOLATED,
    sharedMemory: shared,
    sharedMemoryRefusal: () => (hasSharedArrayBuffer() ? NOT_ISOLATED : 'SharedArrayBuffer is not available in this browser'),
    channelsOpenLate: true,
  };
}
