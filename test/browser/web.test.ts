/**
 * wasmloop/web in Chromium, against loopback servers run here in Node (test/hostio/servers.ts: a
 * WebSocket echo server and a small HTTP server): the same checks Node, Deno and Bun run
 * (test/hostio/web-checks.ts, bundled for the page), each on both cores, with dist/index.js and
 * dist/web.js imported by a cross-origin-isolated page with no bundler. Chromium's own WebSocket
 * and fetch carry them; no exception handler report, page error or unhandled rejection may appear.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServers, type TestServers } from '../hostio/servers.js';
import { webChecks } from '../hostio/web-checks.js';
import { openSession, type Session } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHECKS = '/build/browser-checks/web-checks.js';

let s: Session;
let servers: TestServers;
let page: Page & { errors: string[] };
beforeAll(async () => {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['test/hostio/web-checks.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: `build${CHECKS.slice('/build'.length)}`,
    logLevel: 'warning',
  });
  servers = await startTestServers();
  s = await openSession();
  page = await s.page();
  await page.goto(`${s.url}/test/browser/fixtures/blank.html`);
  await page.evaluate(`(async () => {
    window.__unhandled = [];
    window.addEventListener('unhandledrejection', (e) => window.__unhandled.push(String(e.reason)));
    window.__wl = await import('/dist/index.js');
    window.__web = await import('/dist/web.js');
    window.__checks = (await import('${CHECKS}')).webChecks;
  })()`);
});
afterAll(async () => {
  await s?.close();
  await servers?.close();
});

// what Chromium itself logs for the failures the checks provoke on purpose (a refused WebSocket, a 404)
const NETWORK_LOG = /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/' failed|^Failed to load resource: (the server responded with a status of 404|net::ERR_CONNECTION_REFUSED)/;

describe.each(['wasm', 'js'])('wasmloop/web in Chromium (%s core)', (core) => {
  for (const name of Object.keys(webChecks))
    it(name, async () => {
      page.errors.length = 0;
      const env = { core, wsUrl: servers.wsUrl, httpUrl: servers.httpUrl, closedPort: servers.closedPort };
      const outcome = await page.evaluate(
        `(async () => {
          const env = { ...${JSON.stringify(env)}, wl: window.__wl, web: window.__web };
          try {
            await window.__checks[${JSON.stringify(name)}](env);
            return 'passed';
          } catch (e) {
            return String(e?.stack ?? e);
          }
        })()`,
      );
      expect(outcome).toBe('passed');
      expect(await page.evaluate('window.crossOriginIsolated')).toBe(true);
      expect(await page.evaluate('window.__unhandled')).toEqual([]);
      expect(page.errors.filter((e) => !NETWORK_LOG.test(e))).toEqual([]);
    });
});
