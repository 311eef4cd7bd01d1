// The package as built into dist/ (what users get), with a clear message when it was not built.
import { existsSync } from 'node:fs';

const entry = new URL('../../dist/index.js', import.meta.url);
if (!existsSync(entry)) throw new Error('bench: dist/ is missing — run `npm run build` first');
export const wl = await import(entry.href);

/** The two cores, in the order every table shows them. */
export const CORES = [
  { name: 'wasm', label: 'wasmloop WASM core' },
  { name: 'js', label: 'wasmloop JS core' },
];

/** Host competitors are present only where the host has the primitive. */
export const has = (name) => typeof globalThis[name] === 'function' || (name === 'nextTick' && typeof globalThis.process?.nextTick === 'function');
