/**
 * Bun: setImmediate to yield, `Bun.isMainThread` for the main thread (its worker_threads agrees),
 * `Bun.env` for the environment. Shared memory and Atomics.wait everywhere.
 */
import { g, portableHost, processCwdUrl, workerThreads } from './common.js';
import type { Host } from './types.js';

export function bunHost(): Host {
  const Bun = g.Bun;
  const main = (): boolean => (typeof Bun.isMainThread === 'boolean' ? Bun.isMainThread : true);
  return {
    ...portableHost(),
    name: 'bun',
    version: String(Bun.version),
    isMainThread: main,
    threadName() {
      if (main()) return 'MainThread';
      const id = workerThreads()?.threadId;
      return id === undefined ? 'Worker' : `Worker-${id}`;
    },
    env: (key) => (Bun.env ?? g.process?.env)?.[key],
    baseUrl: processCwdUrl,
  };
}
