/**
 * Node.js: setImmediate to yield, worker_threads (through process.getBuiltinModule, so nothing
 * is imported at load time) for the main thread and the thread's name, Buffer for base64.
 * Before Node 20.16 there is no getBuiltinModule: every thread is then taken for the main one.
 */
import { g, portableHost, processCwdUrl, workerThreads } from './common.js';
import type { Host, HostWorker } from './types.js';

/** worker_threads workers running source text (`eval: true`). */
function nodeWorkers(source: string, onMessage: (m: any) => void, onError: (e: Error) => void): HostWorker {
  const { Worker } = g.process.getBuiltinModule('node:worker_threads');
  const preamble = "'use strict';\nconst { parentPort } = process.getBuiltinModule('node:worker_threads');\nconst post = (m) => parentPort.postMessage(m);\nconst listen = (f) => parentPort.on('message', f);\n";
  const w = new Worker(preamble + source, { eval: true });
  let ended = false;
  w.on('message', onMessage);
  w.on('error', (e: unknown) => onError(e instanceof Error ? e : new Error(String(e))));
  w.on('exit', (code: number) => {
    if (!ended) onError(new Error(`the worker exited (code ${code})`));
  });
  return {
    post: (m) => w.postMessage(m),
    terminate() {
      ended = true;
      void w.terminate();
    },
    keepAlive: (on) => (on ? w.ref() : w.unref()),
  };
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
    baseUrl: processCwdUrl,
    spawnWorker: typeof g.process.getBuiltinModule === 'function' ? nodeWorkers : null,
    decodeBase64: typeof Buffer?.from === 'function' ? (text) => new Uint8Array(Buffer.from(text, 'base64')) : base.decodeBase64,
  };
}
