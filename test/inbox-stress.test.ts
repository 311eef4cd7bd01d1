/**
 * The inbox (bindings/core/inbox.ts, assembly/inbox.ts) under contention, bounded in time: real
 * producer threads drive the producer side directly while this thread drains with each core's own
 * consumer (the WASM core's inboxDrain, the JS core's drainInto), on a 4 KiB ring that wraps
 * around thousands of times and whose positions start just below 2^31 so that they wrap too.
 * What it checks, besides every record arriving once, in order and intact: no spurious "full"
 * (a head read after the tail can pass it; see tryReserve) and no lost wake-up of a producer
 * waiting for room (the C_WAITERS count against the head's publication).
 *
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventLoop } from '../bindings/index.js';
import { CLOSED, C_HEAD, C_TAIL, C_WAITERS, POS_MASK } from '../bindings/core/inbox.js';
import { CORES } from './helpers.js';

const PRODUCER = new URL('./workers/inbox-producer.mjs', import.meta.url);
const SPINNING = 2; // producers retrying tryReserve
const WAITING = 2; // producers waiting in reserveWaiting
const P = SPINNING + WAITING;
const RUN_MS = 1500;
const MAX_LEN = 64;
/** Words of the shared stats array, for the producers too. */
const S = { READY: 0, GO: 1, DONE: 2, SPURIOUS: 3, TIMEOUTS: 4, SENT: 8 };

let dir = '';
let moduleUrl = '';
beforeAll(async () => {
  // the producers run the inbox's own source, bundled for a plain worker thread
  const esbuild = await import('esbuild');
  dir = mkdtempSync(join(tmpdir(), 'wasmloop-inbox-'));
  const outfile = join(dir, 'inbox.mjs');
  await esbuild.build({ entryPoints: [new URL('../bindings/core/inbox.ts', import.meta.url).pathname], bundle: true, format: 'esm', outfile, logLevel: 'silent' });
  moduleUrl = pathToFileURL(outfile).href;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(CORES)('the inbox under contention (%s core)', (core) => {
  it(`${P} producer threads for ${RUN_MS} ms on a 4 KiB ring: every record once, in order, intact; no spurious full, no lost wake-up`, async () => {
    const loop = newEventLoop({ core, inboxBytes: 4096 });
    const port = loop.port();
    const inbox = loop._core.openInbox(0); // the inbox port() opened (idempotent)
    const ctrl = new Int32Array(port.ctrlBuffer);
    // positions count modulo 2^31: start just below, so the run crosses the wrap
    const start = (POS_MASK + 1 - 5000) & POS_MASK;
    Atomics.store(ctrl, port.ctrl + C_HEAD, start);
    Atomics.store(ctrl, port.ctrl + C_TAIL, start << 1);

    const stats = new Int32Array(new SharedArrayBuffer(4 * (S.SENT + P)));
    const workers = Array.from(
      { length: P },
      (_, p) => new Worker(PRODUCER, { workerData: { module: moduleUrl, port, stats: stats.buffer, S, p, ms: RUN_MS, waiting: p >= SPINNING, maxLen: MAX_LEN, waitMs: 3000 } }),
    );
    const failures: unknown[] = [];
    for (const w of workers) w.on('error', (e) => failures.push(e));
    try {
      const readyBy = Date.now() + 20_000;
      while (Atomics.load(stats, S.READY) < P && failures.length === 0 && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 5));
      expect(failures).toEqual([]);
      expect(Atomics.load(stats, S.READY)).toBe(P);
      Atomics.store(stats, S.GO, 1);
      Atomics.notify(stats, S.GO);

      // the consumer: this thread drains as fast as it can, with the core's own drain step
      const next = new Array<number>(P).fill(0);
      const problems: string[] = [];
      const out = inbox.out;
      const b = new Uint8Array(out.buffer, out.byteOffset);
      let received = 0;
      let sawWaiters = 0; // drains that found a producer counted as waiting for room
      const deadline = Date.now() + RUN_MS + 20_000;
      for (;;) {
        const finished = Atomics.load(stats, S.DONE) === P; // read before the drain: nothing is committed after it
        if (Atomics.load(ctrl, port.ctrl + C_WAITERS) > 0) sawWaiters++;
        const n = inbox.drain();
        for (let w = inbox.outBase, stop = inbox.outBase + n; w < stop; w += out[w]!) {
          const len = out[w + 1]!;
          const at = (w + 2) * 4;
          const p = b[at]!;
          const i = b[at + 1]! | (b[at + 2]! << 8) | (b[at + 3]! << 16) | (b[at + 4]! << 24);
          received++;
          if (problems.length > 10) continue;
          if (p >= P) problems.push(`record from unknown producer ${p}`);
          else if (i !== next[p]) problems.push(`producer ${p}: got #${i}, expected #${next[p]}`);
          else if (len !== 5 + ((i * 13) % (MAX_LEN - 4)) || out[w] !== 2 + ((len + 3) >>> 2)) problems.push(`producer ${p} #${i}: length ${len} in ${out[w]} words`);
          else for (let k = 5; k < len; k++) if (b[at + k] !== ((i + k) & 255)) problems.push(`producer ${p} #${i}: byte ${k} is ${b[at + k]}`);
          if (p < P) next[p] = i + 1;
        }
        if ((finished && n === 0) || failures.length > 0 || Date.now() > deadline) break;
      }
      expect(failures).toEqual([]);
      expect(problems).toEqual([]);
      const sent = Array.from({ length: P }, (_, p) => Atomics.load(stats, S.SENT + p));
      expect(next).toEqual(sent);
      expect(received).toBe(sent.reduce((a, x) => a + x, 0));
      expect(received).toBeGreaterThan(10_000); // the ring wrapped many times
      expect(Atomics.load(stats, S.SPURIOUS)).toBe(0);
      expect(Atomics.load(stats, S.TIMEOUTS)).toBe(0);
      expect(sawWaiters).toBeGreaterThan(0); // the waiting producers did wait, and were woken
      // quiescent: everything reserved was consumed, no producer left counted as waiting
      const tail = Atomics.load(ctrl, port.ctrl + C_TAIL);
      expect(tail & CLOSED).toBe(0);
      expect(tail >>> 1).toBe(Atomics.load(ctrl, port.ctrl + C_HEAD));
      expect(tail >>> 1).toBeLessThan(start); // the positions wrapped past 2^31
      expect(Atomics.load(ctrl, port.ctrl + C_WAITERS)).toBe(0);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
      loop.close();
    }
  }, 60_000);
});
