/**
 * Node.js: setImmediate to yield, worker_threads (through process.getBuiltinModule, so nothing
 * is imported at load time) for the main thread and the thread's name, Buffer for base64.
 * Before Node 20.16 there is no getBuiltinModule: every thread is then taken for the main one.
 */
import { g, portableHost } from './common.js';
import type { Host } from './types.js';

function workerThreads(): { isMainThread: boolean; threadId: number } | undefined {
  try {
    return g.process?.getBuiltinModule?.('node:worker_threads');
  } catch {
    return undefined;
  }
}

export function nodeHost(): Host {
  const base = portableHost();
  const Buffer = g.Buffer;
  return {
    ...base,
    name: 'node',
    version: String(g.process.versions.node),
    isMainThread: () => workerThreads()?.isMainThread ?? true,
    threadName() {
      const wt = workerThreads();
      return !wt || wt.isMainThread ? 'MainThread' : `Worker-${wt.threadId}`;
    },
    env: (key) => g.process.env[key],
    decodeBase64: typeof Buffer?.from === 'function' ? (text) => new Uint8Array(Buffer.from(text, 'base64')) : base.decodeBase64,
  };
}
