/** Shared by the Chromium-driving tests: the repository served on 127.0.0.1, and a headless Chromium. */
import type { Browser, Page } from 'playwright-core';
// @ts-expect-error plain JS module (scripts/)
import { launchChromium } from '../../scripts/chromium.mjs';
// @ts-expect-error plain JS module (scripts/)
import { startServer } from '../../scripts/serve.mjs';

export interface Session {
  url: string;
  browser: Browser;
  /** A new page whose console errors and page errors are collected in `errors`. */
  page(viewport?: { width: number; height: number }): Promise<Page & { errors: string[] }>;
  close(): Promise<void>;
}

export async function openSession(): Promise<Session> {
  const server = await startServer();
  const browser: Browser = await launchChromium();
  return {
    url: server.url,
    browser,
    async page(viewport = { width: 1280, height: 1100 }) {
      const page = (await browser.newPage({ viewport })) as Page & { errors: string[] };
      page.errors = [];
      page.on('pageerror', (e) => page.errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') page.errors.push(m.text());
      });
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Calls `call` (an expression over the module's exports, e.g. `run("wasm")`) on a fresh blank page
 * after importing `/test/browser/fixtures/<fixture>`; gives its result and the page's errors.
 */
export async function onFixturePage<T>(s: Session, fixture: string, call: string): Promise<{ result: T; errors: string[] }> {
  const page = await s.page();
  await page.goto(`${s.url}/test/browser/fixtures/blank.html`);
  // a string, so that vitest's transform leaves the page's dynamic import alone
  const result = (await page.evaluate(`import('/test/browser/fixtures/${fixture}').then((m) => m.${call})`)) as T;
  const errors = page.errors;
  await page.close();
  return { result, errors };
}
