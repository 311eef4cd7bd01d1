/** The README's streams echo example runs as written (examples/echo.mjs), on both cores. */
import { expect, it } from 'vitest';
import { install, run } from '../bindings/index.js';
import { CORES } from './helpers.js';
// @ts-expect-error: a plain .mjs example without types
import { main } from '../examples/echo.mjs';

it.each(CORES)('the streams echo server and client exchange lines and close cleanly (%s core)', async (core) => {
  const lines: string[] = [];
  install(core);
  try {
    await run(() => main({ port: 0, log: (l: string) => lines.push(l) }));
  } finally {
    install(); // the default again
  }
  expect(lines[0]).toMatch(/^server: serving on 127\.0\.0\.1:\d+$/);
  expect(lines.slice(1, 3)).toEqual(['client: echo: hello', 'client: echo: wasmloop']);
  expect(lines[3]).toMatch(/^server: 127\.0\.0\.1:\d+ finished$/);
  expect(lines).toHaveLength(4);
});
