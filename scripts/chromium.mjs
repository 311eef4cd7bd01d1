// Headless Chromium for the browser tests and the playground's screenshots: Debian's package
// (/usr/bin/chromium, installed by .ci/setup-hosts), driven by playwright-core. Never a
// downloaded browser. CHROMIUM_PATH overrides the location.
import { accessSync, constants } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** Why Chromium cannot be had here, or null when it can. */
export function chromiumMissing() {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return null;
  } catch {
    return `no Chromium at ${CHROMIUM_PATH} (install it with .ci/setup-hosts, i.e. apt-get install -y chromium, or set CHROMIUM_PATH)`;
  }
}

/** Launches headless Chromium; the caller closes it. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
