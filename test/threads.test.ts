/**
 * API.md §8 and the thread rules of §1, with real Node worker threads. The workers run the built
 * package (dist/: `npm test` builds it first) through test/workers/node-agent.mjs; what each
 * worker does lives in test/workers/roles.mjs, which imports no host module, so that a browser
 * runner can drive the same roles in Web Workers.
 */
// proves: §1.2, §1.7, §3.3, §8.1
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
import { EventLoop, RuntimeError, connect, newEventLoop, setEventLoop } from '../bindings/index.js';
import { C_WAITERS, C_WAKE } from '../bindings/core/inbox.js';
import { host } from '../bindings/hosts/index.js';
import { CORES } from './helpers.js';

const execFileP = promisify(execFile);
const AGENT = new URL('./workers/node-agent.mjs', import.meta.url);
// plain JavaScript shared with the browser tests, imported through a URL so the type checker leaves it be
const { fullInboxWithoutBlocking, pingTarget } = await import(new URL('./workers/roles.mjs', import.meta.url).href);

interface Agent {
  worker: Worker;
  /** The next message from the worker. */
  next<T = any>(): Promise<T>;
  send(m: unknown): void;
  /** Resolves when the worker has exited. */
  exited: Promise<number>;
}

const started: Worker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
  setEventLoop(null);
});

function agent(role: string, data: Record<string, unknown> = {}): Agent {
  const worker = new Worker(AGENT, { workerData: { role, ...data } });
  started.push(worker);
  const queue: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  let failure: unknown = null;
  worker.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  worker.on('error', (e) => {
    failure = e;
    for (const w of waiters.splice(0)) w(Promise.reject(e));
  });
  return {
    worker,
    next<T>() {
      if (queue.length > 0) return Promise.resolve(queue.shift() as T);
      if (failure !== null) return Promise.reject(failure);
      return new Promise<T>((resolve) => waiters.push(resolve as (m: unknown) => void));
    },
    send: (m) => worker.postMessage(m),
    exited: new Promise((resolve) => worker.once('exit', resolve)),
  };
}

/** Polls until `cond()` holds (the worker's state is visible through shared memory). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Whether the loop behind `port` is asleep (its wake word is set while it sleeps). */
function asleep(port: { ctrlBuffer: SharedArrayBuffer; ctrl: number }): boolean {
  return Atomics.load(new Int32Array(port.ctrlBuffer), port.ctrl + C_WAKE) !== 0;
}

describe.each(CORES)('threads (%s core)', (core) => {
  it('4 producer workers x 250,000 submissions: each received exactly once, in per-producer order', async () => {
    const loop = newEventLoop({ core });
    const P = 4;
    const N = 250_000;
    const nextExpected = new Array<number>(P).fill(0);
    let received = 0;
    let outOfOrder = 0;
    loop.expose('sub', (p: number, i: number) => {
      if (nextExpected[p] !== i) outOfOrder++;
      nextExpected[p] = i + 1;
      if (++received === P * N) loop.stop();
    });
    const port = loop.port();
    const producers = Array.from({ length: P }, (_, p) => agent('produce', { port, producer: p, n: N }));
    await loop.runForever();
    const reports = await Promise.all(producers.map((a) => a.next<{ sent: number; error?: unknown }>()));
    expect(reports.map((r) => r.sent)).toEqual([N, N, N, N]);
    expect(reports.every((r) => r.error === undefined)).toBe(true);
    expect(received).toBe(P * N);
    expect(outOfOrder).toBe(0);
    expect(nextExpected).toEqual([N, N, N, N]);
    // nothing extra arrives later
    loop.callLater(0.05, () => loop.stop());
    await loop.runForever();
    expect(received).toBe(P * N);
    loop.close();
  });

  it('a worker blocked in runForeverSync is woken by a submission and by its own timer, and stopped through its port', async () => {
    const a = agent('blocking', { core, timer: 0.3 });
    const { port } = await a.next<{ port: any }>();
    const remote = connect(port);
    await until(() => asleep(port), 'the worker to sleep');
    expect(await remote.runThreadsafe('ping', 21)).toBe(42); // answered from inside Atomics.wait
    await until(() => asleep(port), 'the worker to sleep again');
    // its own timer fires while it blocks, with no submission from this thread
    expect(await a.next()).toEqual({ timer: true });
    const log = await remote.runThreadsafe<unknown[]>('log');
    expect(log).toEqual([
      ['ping', 21],
      ['timer', 0.3],
    ]);
    await until(() => asleep(port), 'the worker to sleep once more');
    remote.stop();
    const done = await a.next<{ log: unknown[] }>();
    expect(done.log).toEqual(log);
    await a.exited;
    expect(remote.isClosed()).toBe(true); // the worker closed its loop after stopping
    expect(() => remote.callSoonThreadsafe('ping', 1)).toThrow(new RuntimeError('Event loop is closed'));
  });

  it('a submission to a closed loop fails on the submitting side', async () => {
    const loop = newEventLoop({ core });
    const a = agent('closed', { port: loop.port() });
    await a.next();
    loop.close();
    a.send('go');
    const out = await a.next<any>();
    expect(out).toEqual({
      isClosed: true,
      call: { name: 'RuntimeError', message: 'Event loop is closed' },
      run: { name: 'RuntimeError', message: 'Event loop is closed' },
    });
  });

  it('runThreadsafe from a worker returns results and errors, awaiting coroutines, futures and promises', async () => {
    const loop = newEventLoop({ core });
    loop.expose('add', (x: number, y: number) => x + y);
    loop.expose('fail', (msg: string) => {
      throw new RangeError(msg);
    });
    loop.expose('gen', function* (x: number): Generator<unknown, number, unknown> {
      const f = loop.createFuture<number>();
      loop.callLater(0.01, () => f.setResult(x + 1));
      return (yield* f) * 10;
    });
    loop.expose('async', async (x: string) => {
      await new Promise((r) => setTimeout(r, 5));
      return { echoed: x, at: new Date(0), tags: new Set(['a']) };
    });
    loop.expose('future', () => {
      const f = loop.createFuture();
      loop.callSoon(() => f.setException(new RuntimeError('from a future')));
      return f;
    });
    loop.expose('fn', () => () => 1);
    const a = agent('call', {
      port: loop.port(),
      calls: [['add', 2, 3], ['fail', 'bad'], ['gen', 4], ['async', 'hi'], ['future'], ['missing'], ['fn']],
    });
    const result = a.next<any[]>();
    const done = result.then(() => loop.stop());
    await loop.runForever();
    await done;
    const out = await result;
    expect(out[0]).toEqual({ ok: true, value: 5 });
    expect(out[1]).toEqual({ ok: false, name: 'RangeError', message: 'bad', classMatches: true });
    expect(out[2]).toEqual({ ok: true, value: 50 });
    expect(out[3]).toEqual({ ok: true, value: { echoed: 'hi', at: new Date(0), tags: new Set(['a']) } });
    expect(out[4]).toEqual({ ok: false, name: 'RuntimeError', message: 'from a future', classMatches: true });
    expect(out[5]).toEqual({ ok: false, name: 'RuntimeError', message: "runThreadsafe: no function named 'missing' is exposed on this loop", classMatches: true });
    expect(out[6].ok).toBe(false);
    expect(out[6].name).toBe('TypeError');
    expect(out[6].message).toMatch(/could not be sent back/);
    loop.close();
  });

  it('a worker that fills the inbox waits for room, and nothing is lost', async () => {
    const loop = newEventLoop({ core, inboxBytes: 4096 });
    const got: number[] = [];
    const N = 5000; // about 20 times what the inbox holds
    loop.expose('sub', (_p: number, i: number) => {
      got.push(i);
      if (got.length === N) loop.stop();
    });
    const port = loop.port();
    const a = agent('produce', { port, producer: 0, n: N });
    const ctrl = new Int32Array(port.ctrlBuffer);
    await until(() => Atomics.load(ctrl, port.ctrl + C_WAITERS) === 1, 'the worker to wait for room');
    await loop.runForever();
    expect((await a.next<any>()).sent).toBe(N);
    expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
    loop.close();
  });

  it('a worker whose wait for room times out gets TimeoutError, and what it submitted before arrives', async () => {
    const loop = newEventLoop({ core, inboxBytes: 4096 });
    const got: number[] = [];
    loop.expose('sub', (_p: number, i: number) => void got.push(i));
    const a = agent('produce', { port: loop.port(), producer: 0, n: 100_000, timeout: 0.05 });
    const report = await a.next<any>();
    expect(report.error.name).toBe('TimeoutError');
    expect(report.error.message).toMatch(/stayed full for 0.05 s: nothing was submitted/);
    expect(report.sent).toBeGreaterThan(0);
    expect(report.sent).toBeLessThan(100_000);
    loop.callLater(0.05, () => loop.stop());
    await loop.runForever();
    expect(got).toEqual(Array.from({ length: report.sent }, (_, i) => i));
    loop.close();
  });
});

describe('the README example', () => {
  it('two threads, each running its own loop, call each other (examples/two-loops.mjs)', async () => {
    const example = fileURLToPath(new URL('../examples/two-loops.mjs', import.meta.url));
    // this runtime runs it; Deno needs leave to read the module again for its worker
    const args = host.name === 'deno' ? ['run', '--allow-read', example] : [example];
    const { stdout } = await execFileP(process.execPath, args, { timeout: 30_000 });
    expect(stdout).toBe('square(12) in the worker: 144\nthe worker asked us, and heard: hello worker, from the main thread\n');
  });
});

describe('waking a loop that sleeps between submissions (a pinger waits for each ack)', () => {
  const modes = CORES.flatMap((core) => [
    [core, 'sleeping in the host, Atomics.waitAsync'],
    [core, 'sleeping in the host, a message (no Atomics.waitAsync)'],
    [core, 'blocked in runForeverSync, Atomics.wait'],
  ] as const);
  it.each(modes)('%s core, %s: no submission is slept through', async (core, mode) => {
    const saved = host.waitAsync;
    if (mode.includes('a message')) host.waitAsync = null;
    try {
      const loop = newEventLoop({ core });
      const target = pingTarget(loop);
      const a = agent('pinger', { ...target.data, ms: 1000 });
      if (mode.includes('runForeverSync')) loop.runForeverSync();
      else await loop.runForever();
      const report = await a.next<{ pings: number; slow: number }>();
      expect(report.slow).toBe(0);
      expect(target.received()).toBe(report.pings);
      expect(target.acked()).toBe(report.pings);
      expect(report.pings).toBeGreaterThan(100); // each one a sleep and a wake-up
      loop.close();
    } finally {
      host.waitAsync = saved;
    }
  }, 90_000);
});

describe('waking without Atomics.waitAsync', () => {
  it.each(CORES)('where the host lacks Atomics.waitAsync, a message wakes the loop sleeping in the host (%s)', async (core) => {
    const saved = host.waitAsync;
    host.waitAsync = null; // as in a browser without waitAsync
    try {
      const loop = newEventLoop({ core });
      const port = loop.port();
      expect(port.wake).toMatch(/^wasmloop-wake-/);
      const got: number[] = [];
      loop.expose('sub', (_p: number, i: number) => {
        got.push(i);
        if (got.length === 1000) loop.stop();
      });
      agent('produce', { port, producer: 0, n: 1000 });
      await loop.runForever(); // sleeps with no timer: only the worker's messages can wake it
      expect(got).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      loop.close();
    } finally {
      host.waitAsync = saved;
    }
  });
});

describe('a full inbox, submitted to from a thread that may not block', () => {
  const cases = CORES.flatMap((core) => [
    [core, 'Atomics.waitAsync on the head', true],
    [core, 'polling, where the host lacks Atomics.waitAsync', false],
  ] as const);
  it.each(cases)('%s core: callSoonThreadsafe throws QueueFull; runThreadsafe waits for room (%s), in order, or times out', async (core, _how, withWaitAsync) => {
    const saved = { canBlock: host.canBlock, waitAsync: host.waitAsync };
    host.canBlock = () => false; // as on a browser's main thread (test/browser/threads.test.ts runs it there)
    if (!withWaitAsync) host.waitAsync = null;
    try {
      const waiters = (port: wl.LoopPort) => Atomics.load(new Int32Array(port.ctrlBuffer), port.ctrl + C_WAITERS);
      const out = await fullInboxWithoutBlocking(wl, () => agent('owner', { core, inboxBytes: 4096 }), waiters);
      const k = out.accepted;
      expect(k).toBeGreaterThan(50);
      expect(out.refusal).toEqual({ name: 'QueueFull', message: expect.stringMatching(/inbox is full \(4096 bytes\) and this thread may not block: nothing was submitted/) });
      expect(out.overtake).toEqual({ name: 'QueueFull', message: expect.stringMatching(/earlier runThreadsafe\(\) calls from this handle still wait for room/) });
      expect(out.settledWhileFull).toEqual([]);
      expect(out.waitersWhileFull).toBe(withWaitAsync ? 1 : 0); // counted while it waits on the head; a poller is not
      expect(out.results).toEqual([k, k + 1]);
      expect(out.got).toEqual(Array.from({ length: k + 2 }, (_, i) => i));
      expect(out.waitersAfter).toBe(0);
      expect(out.timedOut).toEqual({ name: 'TimeoutError', message: expect.stringMatching(/stayed full for 0.05 s: nothing was submitted/) });
      expect(out.after).toBe('after');
      expect(out.got2).toEqual([...Array.from({ length: out.accepted2 }, (_, i) => i), 'after']);
    } finally {
      Object.assign(host, saved);
    }
  });
});

describe('the per-thread policy in workers', () => {
  it.each(CORES)('getEventLoop throws in a worker until a loop is set; one loop runs per thread (%s)', async (core) => {
    const a = agent('policy', { core });
    const threadId = a.worker.threadId; // read now: it becomes -1 once the worker has exited
    const out = await a.next<any>();
    expect(out.noLoop).toEqual({
      name: 'RuntimeError',
      message: `There is no current event loop in thread 'Worker-${threadId}'.`,
      isRuntimeError: true,
    });
    expect(out.setLoopReturned).toBe(true);
    expect(out.second).toBe('Cannot run the event loop while another loop is running');
    expect(out.runningInside).toBe(true);
  });

  it('getEventLoop on the main thread makes a loop', async () => {
    const { getEventLoop } = await import('../bindings/index.js');
    const loop = getEventLoop();
    expect(loop).toBeInstanceOf(EventLoop);
    loop.close();
  });
});
