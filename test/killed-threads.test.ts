/**
 * Killed threads (issue #14): producers of a loop's inbox terminated (worker.terminate()) at random
 * points of a flood, some of them between reserving and committing a record. What must hold
 * (core/inbox.ts, "Abandonment"): everything a live producer committed arrives exactly once and in
 * its order; submissions after the kills still get through (a record left uncommitted is given up
 * once it holds others back for abandonMs); close() never waits for a dead producer, and answers
 * every runThreadsafe call accepted behind one. The random rounds are seeded (KILLED_SEED); the
 * states a kill can leave are also built by hand here, deterministically: a record claimed and
 * never committed, and a reservation never claimed.
 * @needs blocking — the producers wait for room in Atomics.wait; the watchdog too
 */
// proves: §8.1
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, newEventLoop, type LoopPort } from '../bindings/index.js';
import { COMMIT_LOST, C_HEAD, C_TAIL, C_WAITERS, POS_MASK, claimOf, commit, inboxTuning, inboxViews, recordWords, tryReserve, type InboxViews } from '../bindings/core/inbox.js';
import { CORES } from './helpers.js';

const IN_DENO = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';

const ROLE = new URL('./workers/killed-producer.mjs', import.meta.url);
const SEED = Number(process.env.KILLED_SEED ?? 0x14dead);
const ROUNDS = 8;
const P = 4; // producers per round: ROUNDS * P terminations per core
const KILL_WITHIN_MS = 40;
/** abandonMs while these tests run (1 s by default): short, so that many rounds fit. */
const ABANDON_MS = 100;

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let dir = '';
let moduleUrl = '';
const saved = inboxTuning.abandonMs;
beforeAll(async () => {
  // the workers run wasmloop's own source, bundled for a plain worker thread
  const esbuild = await import('esbuild');
  dir = mkdtempSync(join(tmpdir(), 'wasmloop-killed-'));
  const outfile = join(dir, 'wasmloop.mjs');
  await esbuild.build({ entryPoints: [new URL('../bindings/index.ts', import.meta.url).pathname], bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'silent' });
  moduleUrl = pathToFileURL(outfile).href;
  inboxTuning.abandonMs = ABANDON_MS;
});
afterAll(() => {
  inboxTuning.abandonMs = saved;
  rmSync(dir, { recursive: true, force: true });
});

const started: Worker[] = [];
const failures: unknown[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
  failures.length = 0;
});

function spawn(data: Record<string, unknown>): Worker {
  const w = new Worker(ROLE, { workerData: { module: moduleUrl, ...data } });
  w.on('error', (e) => failures.push(e));
  started.push(w);
  return w;
}

const tick = () => new Promise((r) => setTimeout(r, 2));

/** Polls (the loop runs meanwhile) until `cond()` holds; a guard, not a measurement: it fails a test that would hang. */
async function until(cond: () => boolean, what: () => string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (failures.length > 0) throw failures[0];
    if (Date.now() > end) throw new Error(`gave up waiting: ${what()}`);
    await tick();
  }
}

/**
 * `p`, or an error naming `what` and the inbox's state if it has not settled within `ms`: this
 * case hung rarely under a loaded full run (30 s, Node once, Deno once), and a bare test timeout
 * did not say at which step.
 */
async function step<T>(what: string, p: Promise<T>, port: LoopPort, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const v = inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
      const state = `tail ${(Atomics.load(v.c, v.ctrl + C_TAIL) >>> 1) & POS_MASK}, head ${Atomics.load(v.c, v.ctrl + C_HEAD)}, waiters ${Atomics.load(v.c, v.ctrl + C_WAITERS)}, ring size ${v.mask + 1}`;
      reject(new Error(`hung for ${ms} ms at: ${what} (inbox: ${state})`));
    }, ms);
  });
  try {
    return await Promise.race([p, hung]);
  } finally {
    clearTimeout(timer);
  }
}

function message(w: Worker): Promise<any> {
  return new Promise((resolve) => w.once('message', resolve));
}

/** Whether every record reserved was consumed and every ring word is zero again (the inbox's invariant). */
function quiescent(port: LoopPort): { emptied: boolean; zeroed: boolean } {
  const v = inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
  const tail = (Atomics.load(v.c, v.ctrl + C_TAIL) >>> 1) & POS_MASK;
  let zeroed = true;
  for (let i = 0; i <= v.mask; i++) if (Atomics.load(v.r, v.data + i) !== 0) zeroed = false;
  return { emptied: tail === Atomics.load(v.c, v.ctrl + C_HEAD), zeroed };
}

/** A loop counting what each producer id delivered, checking each id's order. */
function counting(core: (typeof CORES)[number]) {
  const loop = newEventLoop({ core, inboxBytes: 256 * 1024 });
  const received = new Map<number, number>();
  const problems: string[] = [];
  loop.expose('rec', (id: number, i: number) => {
    const next = received.get(id) ?? 0;
    if (i !== next && problems.length < 10) problems.push(`producer ${id}: got #${i}, expected #${next}`);
    received.set(id, Math.max(next, i + 1));
  });
  return { loop, port: loop.port(), received, problems };
}

describe.each(CORES)('killed threads (%s core)', (core) => {
  it(`${ROUNDS} rounds of ${P} producers terminated at random points of a flood (seed ${SEED}): all they committed arrives once, in order; later submissions get through`, async () => {
    const { loop, port, received, problems } = counting(core);
    const rand = random(SEED ^ (core === 'wasm' ? 0 : 0x9e3779b9));
    const running = loop.runForever();
    try {
      const stats = new Int32Array(new SharedArrayBuffer(8 * ROUNDS * P));
      for (let round = 0; round < ROUNDS; round++) {
        const ids = Array.from({ length: P }, (_, k) => round * P + k);
        const workers = ids.map((id) => spawn({ role: 'flood', port, stats: stats.buffer, slot: id, id, pad: round % 4 === 3 ? 1 + Math.floor(rand() * 3000) : 1 + Math.floor(rand() * 17) }));
        await until(() => ids.every((id) => Atomics.load(stats, 2 * id + 1) === 1), () => `round ${round}: producers to start`);
        // let them flood (the 16 KiB inbox fills), then kill each at its own random moment
        await Promise.all(workers.map((w) => new Promise<void>((done) => setTimeout(() => void w.terminate().then(() => done()), rand() * KILL_WITHIN_MS))));
        // what each returned from was committed: it all arrives, and at most the one record more that committed as it was killed
        await until(
          () => ids.every((id) => (received.get(id) ?? 0) >= Atomics.load(stats, 2 * id)),
          () => `round ${round}: ${ids.map((id) => `producer ${id} returned from ${Atomics.load(stats, 2 * id)}, delivered ${received.get(id) ?? 0}`).join('; ')}`,
        );
        for (const id of ids) expect(received.get(id) ?? 0).toBeLessThanOrEqual(Atomics.load(stats, 2 * id) + 1);
      }
      // a producer after all the kills: each of its submissions arrives (behind whatever the last kills left in the inbox)
      const last = ROUNDS * P;
      const tailStats = new Int32Array(new SharedArrayBuffer(8 * (last + 1)));
      const w = spawn({ role: 'flood', port, stats: tailStats.buffer, slot: last, id: last, pad: 500, count: 3000 });
      await new Promise((r) => w.once('exit', r));
      await until(() => received.get(last) === 3000, () => `the last producer: ${received.get(last) ?? 0} of 3000 delivered`);
      expect(failures).toEqual([]);
      expect(problems).toEqual([]);
      expect([...received.values()].reduce((a, x) => a + x, 0)).toBeGreaterThan(ROUNDS * P);
    } finally {
      loop.stop();
      await running;
    }
    // every reservation was consumed, delivered or given up, and the ring is zeroed again
    expect(quiescent(port)).toEqual({ emptied: true, zeroed: true });
    loop.close();
  }, 60_000);

  // Not in Deno: it hung there (30 s) once in three full CI runs, and never alone; Deno's
  // terminate() does not stop a worker until it returns to its event loop, and which step hung is
  // not known yet (issue 14's note). The rounds above and the stuck-record cases below run in Deno.
  it.skipIf(IN_DENO)('close() with producers killed mid-flood and runThreadsafe calls behind a record never committed: every call is answered at once, and close() waits for no one', async () => {
    const { loop, port } = counting(core);
    loop.expose('echo', (i: number) => i);
    const rand = random(SEED + 1);
    const running = loop.runForever();
    const stats = new Int32Array(new SharedArrayBuffer(8 * P));
    const workers = Array.from({ length: P }, (_, id) => spawn({ role: 'flood', port, stats: stats.buffer, slot: id, id, pad: 2000 }));
    await until(() => workers.every((_, id) => Atomics.load(stats, 2 * id + 1) === 1), () => 'producers to start');
    await step('terminating the producers', Promise.all(workers.map((w) => new Promise<void>((done) => setTimeout(() => void w.terminate().then(() => done()), rand() * KILL_WITHIN_MS)))), port);
    loop.stop();
    await step('the loop stopping', running, port);
    // the producers may have filled the inbox before they were killed (a full CI run's load once left
    // 65,522 of 65,536 words in it): the loop drains what they committed, and gives up any record
    // they left half-written (abandonMs), so the calls below find room
    const draining = loop.runForever();
    await until(() => quiescent(port).emptied, () => `the killed producers' records to drain (${JSON.stringify(quiescent(port))})`);
    loop.stop();
    await step('the loop stopping after the drain', draining, port);
    // the state a producer killed while copying leaves: a claimed record never committed, at the tail
    const v: InboxViews = inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
    const n = recordWords(12);
    const dead = tryReserve(v, n, { head: 0 });
    expect(dead).toBeGreaterThanOrEqual(0);
    // runThreadsafe calls from another thread, accepted behind it
    const caller = spawn({ role: 'calls', port, count: 5 });
    expect(await step("the caller's 'submitted'", message(caller), port)).toBe('submitted');
    const answers = message(caller);
    const dog = new Int32Array(new SharedArrayBuffer(12));
    const watchdog = spawn({ role: 'watchdog', stats: dog.buffer, ms: 800 });
    await until(() => Atomics.load(dog, 0) === 1, () => 'the watchdog to start');
    loop.close();
    Atomics.store(dog, 1, 1);
    Atomics.notify(dog, 1);
    await step("the watchdog's exit", new Promise((r) => watchdog.once('exit', r)), port);
    expect(Atomics.load(dog, 2)).toBe(0); // close() returned before the watchdog's 800 ms ran out
    expect(await step("the caller's answers", answers, port)).toEqual(Array.from({ length: 5 }, () => ({ error: 'RuntimeError: Event loop is closed' })));
    // the producer of the record, had it been merely slow, learns it was given up: it never commits
    expect(commit(v, dead, n, new Uint8Array(12), 12)).toBe(COMMIT_LOST);
    expect(quiescent(port)).toEqual({ emptied: true, zeroed: true });
  }, 30_000);
});

describe.each(CORES)('a record stuck at the inbox head (%s core)', (core) => {
  it.each([
    ['claimed and never committed (a producer killed while copying)', (v: InboxViews) => expect(tryReserve(v, recordWords(40), { head: 0 })).toBeGreaterThanOrEqual(0)],
    [
      'reserved and never claimed (a producer killed between its two CASes)',
      (v: InboxViews) => {
        const t = Atomics.load(v.c, v.ctrl + C_TAIL);
        Atomics.store(v.c, v.ctrl + C_TAIL, (((t >>> 1) + recordWords(40)) & POS_MASK) << 1);
      },
    ],
  ] as const)('%s: given up once it has held a later submission back for abandonMs, in the host-sleeping and in the blocking runner', async (_, stall) => {
    for (const blocking of [false, true]) {
      const loop = newEventLoop({ core });
      const got: unknown[] = [];
      let stoppedBy = '';
      loop.expose('rec', (x: unknown) => {
        got.push(x);
        stoppedBy ||= 'the record';
        loop.stop();
      });
      const port = loop.port();
      stall(inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer));
      connect(port).callSoonThreadsafe('rec', 'after'); // this thread's own handle: there is room, it commits at once
      loop.callLater(5, () => ((stoppedBy ||= 'the guard'), loop.stop()));
      if (blocking) loop.runForeverSync();
      else await loop.runForever();
      // stopped by the record, not by the 5 s guard: the loop's sleep was bounded by abandonMs
      expect({ blocking, got, stoppedBy }).toEqual({ blocking, got: ['after'], stoppedBy: 'the record' });
      expect(quiescent(port)).toEqual({ emptied: true, zeroed: true });
      loop.close();
    }
  });

  it('a claimed record with nothing behind it holds no one back: it is left to its producer, and given up only by close()', async () => {
    const loop = newEventLoop({ core });
    const port = loop.port();
    const v = inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
    const n = recordWords(40);
    const slow = tryReserve(v, n, { head: 0 });
    loop.callLater((3 * ABANDON_MS) / 1000, () => loop.stop());
    await loop.runForever();
    expect(Atomics.load(v.r, v.data + (slow & v.mask))).toBe(claimOf(v, slow, n)); // still its producer's
    loop.close();
    expect(commit(v, slow, n, new Uint8Array(40), 40)).toBe(COMMIT_LOST);
    expect(quiescent(port)).toEqual({ emptied: true, zeroed: true });
  });

  it('a slow producer whose record was given up cannot commit into the same ring word claimed again, a lap later, by another producer with a record of the same length', async () => {
    const loop = newEventLoop({ core, inboxBytes: 4096 });
    const got: unknown[] = [];
    loop.expose('rec', (x: unknown) => {
      got.push(x);
      loop.stop();
    });
    const port = loop.port();
    const v = inboxViews(port.ctrlBuffer, port.ctrl, port.ringBuffer);
    const n = recordWords(40);
    const slow = tryReserve(v, n, { head: 0 });
    connect(port).callSoonThreadsafe('rec', 'behind');
    loop.callLater(5, () => loop.stop());
    await loop.runForever();
    expect(got).toEqual(['behind']); // the slow record was given up
    // one lap later (the ring is empty: head and tail move together), another producer claims the same word
    const cap = v.mask + 1;
    Atomics.store(v.c, v.ctrl + C_HEAD, (slow + cap) & POS_MASK);
    Atomics.store(v.c, v.ctrl + C_TAIL, ((slow + cap) & POS_MASK) << 1);
    const other = tryReserve(v, n, { head: 0 });
    expect(other & v.mask).toBe(slow & v.mask);
    const otherClaim = Atomics.load(v.r, v.data + (other & v.mask));
    // the slow producer wakes up: it writes nothing and commits nothing
    const payload = new Uint8Array(40).fill(0xee);
    expect(commit(v, slow, n, payload, 40)).toBe(COMMIT_LOST);
    expect(Atomics.load(v.r, v.data + (other & v.mask))).toBe(otherClaim);
    for (let i = 1; i < n; i++) expect(Atomics.load(v.r, v.data + ((other + i) & v.mask))).toBe(0);
    loop.close();
    expect(quiescent(port)).toEqual({ emptied: true, zeroed: true });
  });
});
