/**
 * remote.inspect() and remote.trace() of a loop running in a Node worker thread, on both cores:
 * the worker's loop keeps running while it answers. The worker runs the built package (dist/).
 */
// proves: §8.2
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type LoopPort } from '../bindings/index.js';
import { CORES } from './helpers.js';

const TARGET = new URL('./workers/inspect-target.mjs', import.meta.url);
const started: Worker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.terminate()));
});

function next(worker: Worker): Promise<any> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe.each(CORES)('remote inspection across threads (%s core)', (core) => {
  it("a worker's tasks, call graphs, stats and a trace, while its loop runs", async () => {
    const worker = new Worker(TARGET, { workerData: { core } });
    started.push(worker);
    const { port } = (await next(worker)) as { port: LoopPort };
    const r = connect(port);
    const trace = await r.trace(0.25); // long enough for a busy() step on a loaded machine (0.02 s missed it once in Bun)
    const info = await r.inspect();
    expect(info.thread).not.toBe('main');
    expect(info).toMatchObject({ core, clock: 'monotonic' });
    expect(info.tasks.map((t) => t.coro).sort()).toEqual(['busy()', 'parent()', 'stuck()']);
    const stuck = info.tasks.find((t) => t.coro === 'stuck()')!;
    expect(stuck.waitingOn).toMatch(/^<Future pending/);
    expect(stuck.callGraph).toContain('* Task(name="parent"');
    expect(info.stats.iterations).toBeGreaterThan(0);
    expect(info.stats.timerLag.count).toBeGreaterThan(0);
    expect(trace.otherData.clock).toBe('monotonic');
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.name === 'iteration')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'X' && /busy\(\)$/.test(e.name))).toBe(true);
    const done = next(worker);
    r.stop();
    expect(await done).toEqual({ done: true });
  });
});
