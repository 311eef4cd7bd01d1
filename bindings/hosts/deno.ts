/**
 * Deno: setImmediate to yield (Deno 2 has it; MessageChannel before), and `Deno.env`, which needs
 * `--allow-env`: without it a variable reads as unset, checked without a permission prompt.
 * Deno has two kinds of worker, told apart differently: a Web Worker's global scope is a
 * WorkerGlobalScope (and there Deno's node:worker_threads says "main thread"); a
 * node:worker_threads worker has no WorkerGlobalScope in Deno 2.9, and there node:worker_threads
 * says isMainThread = false. Only a thread that is neither is the main one. An Error keeps its
 * call sites (and so the objects whose methods were running when it was made) even after its
 * stack is formatted.
 */
import { directoryUrl, g, inWebWorker, portableHost, workerThreads } from './common.js';
import type { Host } from './types.js';

/**
 * Deno's own switch for whether a BroadcastChannel keeps the thread alive (what its node:
 * compatibility's ref()/unref() call): a symbol-keyed method on the prototype. Without it an open
 * channel keeps a thread from ever ending; and a closed channel cannot be opened again under the
 * same name in the same thread (Deno 2.9 delivers nothing to it), so closing is no way out.
 */
function channelRef(): ((channel: BroadcastChannel, on: boolean) => void) | null {
  const proto = g.BroadcastChannel?.prototype;
  const key = proto ? Object.getOwnPropertySymbols(proto).find((s) => s.description === 'refBroadcastChannel') : undefined;
  return key === undefined || typeof proto[key] !== 'function' ? null : (channel, on) => (channel as any)[key](on);
}

export function denoHost(): Host {
  const Deno = g.Deno;
  const base = portableHost();
  const nodeWorker = (): { threadId: number } | null => {
    const wt = workerThreads();
    return wt !== undefined && wt.isMainThread === false ? wt : null;
  };
  return {
    ...base,
    name: 'deno',
    refChannel: channelRef() ?? base.refChannel,
    errorsKeepCallSites: true,
    version: String(Deno.version?.deno ?? ''),
    isMainThread: () => !inWebWorker() && nodeWorker() === null,
    threadName() {
      if (inWebWorker()) return (typeof g.name === 'string' && g.name) || 'Worker';
      const w = nodeWorker();
      return w === null ? 'MainThread' : `Worker-${w.threadId}`;
    },
    baseUrl() {
      if (inWebWorker() && typeof g.location?.href === 'string') return g.location.href;
      try {
        return directoryUrl(Deno.cwd()); // needs --allow-read
      } catch {
        return null;
      }
    },
    env(key) {
      try {
        const state = Deno.permissions?.querySync?.({ name: 'env', variable: key })?.state;
        if (state !== undefined && state !== 'granted') return undefined;
        return Deno.env.get(key) ?? undefined;
      } catch {
        return undefined;
      }
    },
  };
}
