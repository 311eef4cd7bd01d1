/**
 * Deno: setImmediate to yield (Deno 2 has it; MessageChannel before), the Web Worker global scope
 * to tell a worker from the main module (Deno's node:worker_threads says "main" inside Web
 * Workers), and `Deno.env`, which needs `--allow-env`: without it a variable reads as unset,
 * checked without a permission prompt.
 */
import { g, inWebWorker, portableHost } from './common.js';
import type { Host } from './types.js';

export function denoHost(): Host {
  const Deno = g.Deno;
  return {
    ...portableHost(),
    name: 'deno',
    version: String(Deno.version?.deno ?? ''),
    isMainThread: () => !inWebWorker(),
    threadName: () => (inWebWorker() ? (typeof g.name === 'string' && g.name) || 'Worker' : 'MainThread'),
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
