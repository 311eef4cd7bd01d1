/**
 * Traces across threads, on both cores: a program with callbacks, timers, tasks and a worker
 * thread, each loop traced; the two traces merged (mergeTraces) validate strictly against the
 * Trace Event format (trace-validate.ts), with each cross-thread submission a flow from the
 * producer's callback to the receiving loop's batch callback. And a worker reads the main loop's
 * trace ring while that loop runs on (readTrace of loop.traceBuffers()).
 * Workers run the built package (dist/) through test/workers/node-agent.mjs.
 * @needs shared
 */
// proves: §5.5, §5.6
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, mergeTraces, newEventLoop, setEventLoop, sleep, type Trace } from '../bindings/index.js';
import { CORES } from './helpers.js';
import { validate } from './trace-validate.js';

const AGENT = new URL('./workers/node-agent.mjs', import.meta.url);
const started: Worker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
  setEventLoop(null);
});

function agent(role: string, data: Record<string, unknown>): { next<T = any>(): Promise<T> } {
  const worker = new Worker(AGENT, { workerData: { role, ...data } });
  started.push(worker);
  const queue: unknown[] = [];
  const waiters: Array<{ resolve: (m: any) => void; reject: (e: unknown) => void }> = [];
  let failure: unknown = null;
  worker.on('message', (m) => (waiters.length > 0 ? waiters.shift()!.resolve(m) : queue.push(m)));
  worker.on('error', (e) => {
    failure = e;
    for (const w of waiters.splice(0)) w.reject(e);
  });
  return {
    next<T>() {
      if (queue.length > 0) return Promise.resolve(queue.shift() as T);
      if (failure !== null) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => waiters.push({ resolve, reject }));
    },
  };
}

const of = (t: Trace, ph: string, pred: (e: Trace['traceEvents'][number]) => boolean = () => true) => t.traceEvents.filter((e) => e.ph === ph && pred(e));

describe.each(CORES)('traces across threads (%s core)', (core) => {
  it('callbacks, timers, tasks and a worker: the merged trace is valid, with a flow for each submission between the traced loops', async () => {
    const loop = newEventLoop({ core });
    setEventLoop(loop);
    loop.startTrace();
    const a = agent('traced', { core, port: loop.port() });
    const { port } = await a.next();
    const r = connect(port);
    let got: unknown = null;
    loop.expose('back', (n: unknown) => {
      got = n;
      loop.stop();
    });
    const guard = loop.callLater(20, () => loop.stop()); // never reached unless the worker fails
    loop.callSoon(function submit() {
      r.callSoonThreadsafe('work', 7);
    });
    loop.callSoon(function mainTimer() {
      loop.callLater(0.001, function fired() {});
    });
    loop.createTask(async function mainTask() {
      await sleep(0.001);
    }, { name: 'main-task' });
    await loop.runForever();
    guard.cancel();
    const mine = loop.stopTrace();
    expect(got).toBe(7);
    r.stop();
    const { trace: theirs } = (await a.next()) as { trace: Trace };
    validate(mine, { openThreadFlows: true });
    validate(theirs, { openThreadFlows: true });
    const merged = mergeTraces(mine, theirs);
    validate(merged); // every flow matched now, across the two threads
    const tids = new Set(of(merged, 'M', (e) => e.name === 'thread_name').map((e) => e.tid));
    expect(tids.size).toBe(2);
    const mainTid = of(mine, 'M', (e) => e.name === 'thread_name')[0]!.tid;
    const workerTid = of(theirs, 'M', (e) => e.name === 'thread_name')[0]!.tid;
    expect(mainTid).not.toBe(workerTid);
    // main → worker: starts in `submit` on the main thread, ends in the worker's batch callback
    const thread = of(merged, 's', (e) => e.cat === 'thread');
    expect(thread).toHaveLength(2);
    const out = thread.find((e) => e.tid === mainTid)!;
    const inWorker = of(merged, 'f', (e) => e.cat === 'thread' && e.id === out.id)[0]!;
    expect(inWorker.tid).toBe(workerTid);
    const submit = of(merged, 'X', (e) => e.name === 'submit')[0]!;
    expect(out.ts).toBeGreaterThanOrEqual(submit.ts);
    expect(out.ts).toBeLessThanOrEqual(submit.ts + submit.dur!);
    // worker → main: starts in the callback the worker's task scheduled, ends on the main thread
    const back = thread.find((e) => e.tid === workerTid)!;
    expect(of(merged, 'f', (e) => e.cat === 'thread' && e.id === back.id)[0]!.tid).toBe(mainTid);
    const step = of(merged, 'X', (e) => e.tid === workerTid && e.name === 'reply' && e.ts <= back.ts && back.ts <= e.ts + e.dur!);
    expect(step).toHaveLength(1);
    // timers and tasks on both threads
    expect(of(merged, 'X', (e) => e.name === 'workerTimer' && e.tid === workerTid)).toHaveLength(1);
    expect(of(merged, 'X', (e) => e.name === 'fired' && e.tid === mainTid)).toHaveLength(1);
    expect(of(merged, 's', (e) => e.cat === 'timer' && e.tid === workerTid).length).toBeGreaterThanOrEqual(2); // workerTimer, the sleep
    expect(of(merged, 'b', (e) => e.name === 'worker-task' && e.tid === workerTid)).toHaveLength(1);
    expect(of(merged, 'b', (e) => e.name === 'main-task' && e.tid === mainTid)).toHaveLength(1);
    loop.close();
  });

  it("another thread reads the loop's trace ring while the loop runs on", async () => {
    const loop = newEventLoop({ core, clock: 'virtual' });
    loop.startTrace({ capacity: 1 << 12 });
    let k = 0;
    loop.callSoon(function tick() {
      k++;
      loop.callLater(1, tick);
    });
    const reader = agent('readRing', { buffers: loop.traceBuffers(), name: 'tick', n: 50 });
    const running = loop.runForever();
    const { trace } = (await reader.next()) as { trace: Trace; reads: number };
    const atRead = k;
    await new Promise((r) => setTimeout(r, 5));
    loop.stop();
    await running;
    expect(k).toBeGreaterThan(atRead); // the loop was never stopped for the reader
    validate(trace);
    expect(trace.otherData).toMatchObject({ core, clock: 'virtual', capacity: 1 << 12 });
    expect(of(trace, 'X', (e) => e.name === 'tick').length).toBeGreaterThanOrEqual(50);
    const local = loop.stopTrace();
    const lastTick = (t: Trace) => Math.max(...of(t, 'X', (e) => e.name === 'tick').map((e) => e.ts));
    expect(lastTick(local)).toBeGreaterThan(lastTick(trace)); // it recorded on after the read
    loop.close();
  });
});
