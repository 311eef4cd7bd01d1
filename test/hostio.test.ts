/**
 * The host I/O checks (test/hostio/node-checks.ts: TCP, Unix sockets, subprocesses, signals, DNS
 * through wasmloop/node) on both cores, in whichever runtime runs the suite: Node (vitest), and
 * Bun and Deno through their node: compatibility (scripts/test-hosts.mjs, the node: bundle). The
 * web checks run in test/web.test.ts, in the same runtimes.
 */
import { describe, it } from 'vitest';
import * as os from 'node:os';
import * as wl from '../bindings/index.js';
import * as io from '../bindings/node.js';
import { host } from '../bindings/hosts/index.js';
import { CORES } from './helpers.js';
import { nodeChecks } from './hostio/node-checks.js';
import { startTestServers } from './hostio/servers.js';

describe.each(CORES)(`host I/O checks in ${host.name} ${host.version} (%s core)`, (core) => {
  for (const [name, check] of Object.entries(nodeChecks))
    it(name, async () => {
      const servers = await startTestServers();
      try {
        await check({ wl, io, core, tmpdir: os.tmpdir(), closedPort: servers.closedPort });
      } finally {
        await servers.close();
      }
    });
});
