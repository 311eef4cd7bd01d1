// W9 — a StreamReader's readline() waits for a line whose first 512 KiB are already buffered while
// n one-byte chunks arrive, one per loop callback (each wakes the read, which looks for the newline
// again), then the newline. Unit: ns per chunk. Linear buffering keeps this near the cost of a
// chunk with 1 KiB buffered; a reader that joins the whole buffer for every chunk pays ~512 KiB of
// copying per chunk (issue 14, defect 11: ~45–65 µs per chunk before the fix).
import { existsSync } from 'node:fs';
import { CORES, wl } from '../lib/wasmloop.mjs';

const PRE = 512 * 1024;
const web = new URL('../../dist/web.js', import.meta.url);
const { StreamReader } = existsSync(web) ? await import(web.href) : {};

function readlineRun(core) {
  return async (n) => {
    const loop = wl.newEventLoop({ core });
    const r = new StreamReader({ loop, limit: 4 * PRE });
    r.feedData(new Uint8Array(PRE).fill(120));
    const one = new Uint8Array([120]);
    let i = 0;
    const feed = () => {
      if (i++ < n) {
        r.feedData(one);
        loop.callSoon(feed);
      } else r.feedData(new Uint8Array([10]));
    };
    const line = r.readline();
    const t0 = performance.now();
    loop.callSoon(feed);
    const got = await loop.runUntilComplete(line);
    const value = ((performance.now() - t0) * 1e6) / n;
    loop.close();
    if (got.length !== PRE + n + 1) throw new Error(`a line of ${got.length} bytes instead of ${PRE + n + 1}`);
    return { value };
  };
}

export default {
  id: 'W9',
  title: 'readline over 1-byte chunks, 512 KiB buffered',
  unit: 'ns/chunk',
  size: { full: 2_000, quick: 2_000 },
  reference: 'wasm',
  notBuilt: () => (typeof StreamReader === 'function' ? null : 'not built yet: dist/web.js has no StreamReader'),
  competitors: [
    ...CORES.map((c) => ({ ...c, kind: c.name, run: readlineRun(c.name) })),
    { name: 'asyncio', label: 'Python asyncio', kind: 'asyncio', python: { script: 'w9.py', impl: 'asyncio', args: () => [PRE] } },
  ],
};
