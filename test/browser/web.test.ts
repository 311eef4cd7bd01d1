/**
 * wasmloop/web in Chromium: the same web checks Node, Bun and Deno run (test/hostio/web-checks.ts,
 * through test/web.test.ts) against the same loopback servers, with the browser's own WebSocket
 * and fetch, on both cores, on a cross-origin-isolated page and on an ordinary one. The checks are
 * bundled alone (they import only types from the library) and given dist/index.js and
 * dist/web.js, as a page with no bundler would load them.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../hostio/servers.js';
import { webChecks } from '../hostio/web-checks.js';
import { openSession, type Session } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let s: Session;
let servers: TestServers;
beforeAll(async () => {
  const esbuild = await import('esbuild');
  await esbuild.build({ absWorkingDir: ROOT, entryPoints: { 'web-checks': 'test/hostio/web-checks.ts' }, bundle: true, format: 'esm', platform: 'browser', outdir: 'build/browser-web-checks', logLevel: 'warning' });
  servers = await startTestServers();
  s = await openSession();
});
afterAll(async () => {
  await s?.close();
  await servers?.close();
});

describe.each([
  ['a cross-origin-isolated page', ''],
  ['an ordinary page', '/plain'],
])('wasmloop/web in Chromium, on %s', (_, prefix) => {
  let page: Awaited<ReturnType<Session['page']>>;
  // the browser logs the checks' deliberate failures (a refused WebSocket, a 404) to the console:
  // only uncaught errors count
  const uncaught: string[] = [];
  beforeAll(async () => {
    page = await s.page();
    page.on('pageerror', (e) => uncaught.push(e.message));
    await page.goto(`${s.url}${prefix}/test/browser/fixtures/blank.html`);
    // a string, so that vitest's transform leaves the page's dynamic imports alone
    await page.evaluate(`(async () => {
      globalThis.__unhandled = [];
      addEventListener('unhandledrejection', (e) => globalThis.__unhandled.push(String(e.reason)));
      const [wl, web, { webChecks }] = await Promise.all([import('${prefix}/dist/index.js'), import('${prefix}/dist/web.js'), import('${prefix}/build/browser-web-checks/web-checks.js')]);
      globalThis.__check = (name, core, servers) => webChecks[name]({ wl, web, core, ...servers }).then(() => null, (e) => String(e && e.stack || e));
    })()`);
  });
  afterAll(async () => {
    await page?.close();
  });

  for (const core of ['wasm', 'js'])
    for (const name of Object.keys(webChecks))
      it(`${name} (${core} core)`, async () => {
        const { wsUrl, httpUrl, closedPort } = servers;
        const failure = await page.evaluate(([n, c, env]) => (globalThis as any).__check(n, c, env), [name, core, { wsUrl, httpUrl, closedPort }] as const);
        expect(failure).toBe(null);
        expect(uncaught).toEqual([]);
        expect(await page.evaluate('globalThis.__unhandled')).toEqual([]);
      });
});
