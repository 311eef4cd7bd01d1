/**
 * Runs the host I/O checks in whatever runtime runs this file — Deno and Bun run it as
 * TypeScript (Deno with --sloppy-imports), Node through test/hostio.test.ts — on both cores, and
 * prints one line per check and a closing 'N passed, N failed' line; exit status 1 on a failure.
 */
import * as os from 'node:os';
import * as wl from '../../bindings/index.js';
import * as io from '../../bindings/node.js';
import * as web from '../../bindings/web.js';
import { nodeChecks } from './node-checks.js';
import { startTestServers } from './servers.js';
import { webChecks } from './web-checks.js';

const runtime = (globalThis as any).Bun ? `bun ${(globalThis as any).Bun.version}` : (globalThis as any).Deno ? `deno ${(globalThis as any).Deno.version.deno}` : `node ${process.version}`;
const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => void unhandled.push(e));

const servers = await startTestServers();
let passed = 0;
let failed = 0;
for (const core of ['wasm', 'js'] as const) {
  const checks: Array<[string, () => Promise<void>]> = [
    ...Object.entries(nodeChecks).map(([n, f]) => [n, () => f({ wl, io, core, tmpdir: os.tmpdir(), closedPort: servers.closedPort })] as [string, () => Promise<void>]),
    ...Object.entries(webChecks).map(([n, f]) => [n, () => f({ wl, web, core, ...servers })] as [string, () => Promise<void>]),
  ];
  for (const [name, check] of checks) {
    try {
      await check();
      passed++;
      console.log(`ok   ${runtime} ${core}: ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${runtime} ${core}: ${name}: ${(e as Error)?.stack ?? e}`);
    }
  }
}
await servers.close();
if (unhandled.length) {
  failed++;
  console.log(`FAIL ${runtime}: unhandled rejections: ${unhandled.map(String).join('; ')}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
