/**
 * The host I/O checks in every runtime: in Node here (both cores), and in Deno and Bun as child
 * processes running test/hostio/run-checks.ts (the dev dependencies `deno` and `bun` provide them).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as wl from '../bindings/index.js';
import * as io from '../bindings/node.js';
import { CORES } from './helpers.js';
import { nodeChecks } from './hostio/node-checks.js';
import { startTestServers } from './hostio/servers.js';
import { webChecks } from './hostio/web-checks.js';

describe.each(CORES)('host I/O checks in Node (%s core)', (core) => {
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

const RUNTIMES: Array<[string, string[]]> = [
  ['bun', ['test/hostio/run-checks.ts']],
  ['deno', ['run', '-A', '--sloppy-imports', 'test/hostio/run-checks.ts']],
];

describe.each(RUNTIMES)('host I/O checks in %s', (runtime, args) => {
  it(`every check passes on both cores under ${runtime}`, () => {
    const r = spawnSync(`node_modules/.bin/${runtime}`, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
    const out = `${r.stdout}${r.stderr}`;
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(r.stdout);
    expect(r.error, out).toBeUndefined();
    expect(summary, out).not.toBeNull();
    expect(Number(summary![2]), out).toBe(0);
    expect(Number(summary![1]), out).toBe(CORES.length * (Object.keys(nodeChecks).length + Object.keys(webChecks).length));
    expect(r.status, out).toBe(0);
  });
});
