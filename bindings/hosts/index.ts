/**
 * Host adapter: everything that differs between Node, Deno, Bun and browsers lives behind one
 * object (the contract: types.ts), made by one adapter per host family and picked here at load
 * time by feature detection. The adapters import no host module, so the portable entry bundles
 * for a browser unchanged; each reaches its host's APIs through globals when called.
 */
import { browserHost } from './browser.js';
import { bunHost } from './bun.js';
import { g, inWebWorker, portableHost } from './common.js';
import { denoHost } from './deno.js';
import { nodeHost } from './node.js';
import type { Host, HostName } from './types.js';

export type { Host, HostName } from './types.js';

/** Which host family this is. Bun and Deno also set process.versions.node, so they come first. */
export function detectHost(): HostName {
  if (typeof g.Bun !== 'undefined') return 'bun';
  if (typeof g.Deno !== 'undefined') return 'deno';
  if (typeof g.process !== 'undefined' && g.process.versions?.node) return 'node';
  if (inWebWorker()) return 'worker';
  if (typeof g.window !== 'undefined' && typeof g.document !== 'undefined') return 'browser';
  return 'unknown';
}

function makeHost(name: HostName): Host {
  switch (name) {
    case 'node':
      return nodeHost();
    case 'bun':
      return bunHost();
    case 'deno':
      return denoHost();
    case 'browser':
    case 'worker':
      return browserHost();
    default:
      return portableHost(); // a host we do not know (an embedded engine…): nothing assumed
  }
}

export const host: Host = makeHost(detectHost());
