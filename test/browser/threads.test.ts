/**
 * API.md §8 across Chromium's threads: Web Workers of a cross-origin-isolated page submit to a
 * loop on the window's main thread (also after it closed), the window (which may not block)
 * submits to a Web Worker's full inbox and to its loop blocked in runForeverSync, and a Web
 * Worker has the per-thread policy. The workers run
 * the same roles as the Node tests (test/workers/roles.mjs) through test/workers/web-agent.mjs.
 */
// proves: §1.2, §8.1
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C_WAITERS, C_WAKE } from '../../bindings/core/inbox.js';
import { onFixturePage, openSession, type Session } from './helpers.js';
import { validate } from '../trace-validate.js';

let s: Session;
beforeAll(async () => {
  s = await openSession();
});
afterAll(async () => {
  await s?.close();
});

const onPage = <T>(call: string) => onFixturePage<T>(s, 'threads-page.js', call);

describe.each(['wasm', 'js'])('Web Workers and a loop on the main thread (%s core)', (core) => {
  it('4 producer Web Workers x 250,000 submissions: each received exactly once, in per-producer order', async () => {
    const P = 4;
    const N = 250_000;
    const { result: r, errors } = await onPage<any>(`producers(${JSON.stringify(core)}, ${P}, ${N})`);
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.reports).toEqual(Array.from({ length: P }, () => ({ done: true, sent: N })));
    expect(r.received).toBe(P * N);
    expect(r.outOfOrder).toBe(0);
    expect(r.nextExpected).toEqual([N, N, N, N]);
    expect(errors).toEqual([]);
    console.log(`chromium ${core} core: ${P} Web Workers x ${N} submissions, ${r.perSecond.toLocaleString('en')} received/s on the main thread`);
  });

  it("the window's main thread (which may not block) submits to a Web Worker's full inbox: QueueFull at once, or runThreadsafe waits for room, or times out", async () => {
    const { result: out, errors } = await onPage<any>(`fullInbox(${JSON.stringify(core)}, ${C_WAITERS})`);
    expect(out.crossOriginIsolated).toBe(true);
    expect(out.canBlock).toBe(false);
    const k = out.accepted;
    expect(k).toBeGreaterThan(50);
    expect(out.refusal.name).toBe('QueueFull');
    expect(out.refusal.message).toMatch(/inbox is full \(4096 bytes\) and this thread may not block: nothing was submitted/);
    expect(out.overtake.message).toMatch(/earlier runThreadsafe\(\) calls from this handle still wait for room/);
    expect(out.settledWhileFull).toEqual([]);
    expect(out.waitersWhileFull).toBe(1); // Chromium has Atomics.waitAsync: it waits on the head
    expect(out.results).toEqual([k, k + 1]);
    expect(out.got).toEqual(Array.from({ length: k + 2 }, (_, i) => i));
    expect(out.waitersAfter).toBe(0);
    expect(out.timedOut.name).toBe('TimeoutError');
    expect(out.timedOut.message).toMatch(/stayed full for 0.05 s: nothing was submitted/);
    expect(out.got2).toEqual([...Array.from({ length: out.accepted2 }, (_, i) => i), 'after']);
    expect(errors).toEqual([]);
  });

  it('traces across a Web Worker: both loops traced, a flow per submission, the merged trace valid; remote.trace() of a blocked worker through its port', async () => {
    const { result: out, errors } = await onPage<any>(`tracedWorker(${JSON.stringify(core)})`);
    expect(out.got).toBe(7);
    validate(out.mine, { openThreadFlows: true });
    validate(out.theirs, { openThreadFlows: true });
    validate(out.merged);
    const tid = (t: any) => t.traceEvents.find((e: any) => e.name === 'thread_name').tid;
    expect(tid(out.mine)).not.toBe(tid(out.theirs));
    const flows = out.merged.traceEvents.filter((e: any) => e.cat === 'thread');
    expect(flows.filter((e: any) => e.ph === 's').map((e: any) => e.tid).sort()).toEqual([tid(out.mine), tid(out.theirs)].sort());
    expect(flows.filter((e: any) => e.ph === 'f')).toHaveLength(2);
    expect(out.merged.traceEvents.some((e: any) => e.ph === 'b' && e.name === 'worker-task')).toBe(true);
    expect(out.merged.traceEvents.some((e: any) => e.ph === 'X' && e.name === 'workerTimer')).toBe(true);
    validate(out.remote);
    expect(out.remote.otherData).toMatchObject({ core, clock: 'monotonic', capacity: 2000 });
    expect(out.remote.traceEvents.some((e: any) => e.ph === 'X' && e.name === 'iteration')).toBe(true);
    expect(out.portRing).toBe(64 + 48 * 2000);
    expect(errors).toEqual([]);
  });

  it('a Web Worker blocked in runForeverSync is woken by submissions and by its own timer, and stopped through its port', async () => {
    const { result: out, errors } = await onPage<any>(`blocking(${JSON.stringify(core)}, ${C_WAKE})`);
    expect(out.ping).toBe(42);
    expect(out.timer).toEqual({ timer: true });
    expect(out.log).toEqual([
      ['ping', 21],
      ['timer', 0.3],
    ]);
    expect(out.done).toEqual({ done: true, log: out.log });
    expect(out.afterClose).toEqual({ name: 'RuntimeError', message: 'Event loop is closed' });
    expect(errors).toEqual([]);
  });

  it("runThreadsafe through a handle made just before settles, though the owner answers at once (the reply channel is known open first)", async () => {
    const { result: out, errors } = await onPage<any>(`freshHandles(${JSON.stringify(core)}, 300)`);
    expect(out).toEqual({ settled: 300, error: null });
    expect(errors).toEqual([]);
  });

  it('a submission from a Web Worker to a closed loop fails on the submitting side', async () => {
    const { result: out, errors } = await onPage<any>(`closedLoop(${JSON.stringify(core)})`);
    expect(out).toEqual({
      isClosed: true,
      call: { name: 'RuntimeError', message: 'Event loop is closed' },
      run: { name: 'RuntimeError', message: 'Event loop is closed' },
    });
    expect(errors).toEqual([]);
  });

  it("a loop on the window's main thread, asleep between a Web Worker's pings, sleeps through none (Atomics.waitAsync)", async () => {
    const { result: out, errors } = await onPage<any>(`pingPong(${JSON.stringify(core)}, 1000)`);
    expect(out.slow).toBe(0);
    expect(out.received).toBe(out.pings);
    expect(out.acked).toBe(out.pings);
    expect(out.pings).toBeGreaterThan(100);
    expect(errors).toEqual([]);
  });

  it("a Web Worker's getEventLoop throws asyncio's RuntimeError until a loop is set; one loop runs per thread", async () => {
    const { result: out, errors } = await onPage<any>(`policy(${JSON.stringify(core)}, 'policy-worker')`);
    expect(out.noLoop).toEqual({ name: 'RuntimeError', message: "There is no current event loop in thread 'policy-worker'.", isRuntimeError: true });
    expect(out.setLoopReturned).toBe(true);
    expect(out.second).toBe('Cannot run the event loop while another loop is running');
    expect(out.runningInside).toBe(true);
    expect(errors).toEqual([]);
  });
});
