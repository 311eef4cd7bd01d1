/**
 * A look at a running loop through its port (remote.inspect(), remote.trace(seconds)), on both
 * cores: answered by a callback of that loop, which keeps running. Here the handle is on the
 * loop's own thread; across threads: remote-inspect-threads.test.ts.
 * @needs shared — ports live in SharedArrayBuffers
 */
// proves: §8.2
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeError, connect, gather, readTrace, sleep, type Future } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';
import { hostile } from './hostile-values.js';

describe.each(CORES)('remote inspection (%s core)', (core) => {
  it("inspect(): the loop's tasks with what they wait on and their call graphs, and its stats, while it runs", async () => {
    const loop = vloop(core);
    const r = connect(loop.port());
    const never: Future<unknown> = loop.createFuture();
    async function stuck() {
      await never;
    }
    let started!: () => void;
    const ticking = new Promise<void>((resolve) => (started = resolve));
    async function parent() {
      await gather(stuck, async function ticker() {
        started(); // both children have begun: they wait now
        for (;;) await sleep(1);
      });
    }
    const main = loop.createTask(parent, { name: 'parent' });
    const running = loop.runForever();
    await ticking;
    const info = await r.inspect();
    loop.stop();
    await running;
    expect(info).toMatchObject({ core, clock: 'virtual' });
    expect(info.stats.iterations).toBeGreaterThan(0);
    expect(info.stats.callbacks).toBeGreaterThan(0);
    const byCoro = new Map(info.tasks.map((t) => [t.coro, t]));
    expect([...byCoro.keys()].sort()).toEqual(['parent()', 'stuck()', 'ticker()']);
    expect(byCoro.get('ticker()')!.waitingOn).toMatch(/^<SleepFuture pending/); // its sleep
    expect(byCoro.get('stuck()')!.waitingOn).toMatch(/^<Future pending/);
    expect(byCoro.get('stuck()')!.state).toBe('pending');
    expect(byCoro.get('stuck()')!.callGraph).toContain('+ Awaited by:\n    * Task(name="parent"');
    expect(byCoro.get('parent()')!.waitingOn).toMatch(/^<GatheringFuture pending/);
    main.cancel();
    await loop.runUntilComplete(main).catch(() => {});
    loop.close();
  });

  it('trace(seconds): a trace of the next seconds of loop time, recorded while the loop runs', async () => {
    const loop = vloop(core);
    const r = connect(loop.port());
    let k = 0;
    loop.callSoon(function tick() {
      k++;
      loop.callLater(1, tick);
    });
    const running = loop.runForever();
    const trace = await r.trace(3.5, { capacity: 1000 });
    loop.stop();
    await running;
    expect(trace.otherData).toMatchObject({ clock: 'virtual', core, capacity: 1000, dropped: 0 });
    const ticks = trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'tick');
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const span = ticks[ticks.length - 1]!.ts - ticks[0]!.ts;
    expect(span).toBeLessThanOrEqual(3.5e6);
    expect(loop._tracer).toBe(null); // it stopped by itself
    expect(k).toBeGreaterThan(ticks.length - 1);
    loop.close();
  });

  it("trace() has the loop record into its port's shared ring and reads it in the asking thread; a port without one gets the trace sent back", async () => {
    const loop = vloop(core);
    const port = loop.port();
    expect(port.trace?.events.byteLength).toBe(0); // grown when a remote trace records
    const r = connect(port);
    loop.callSoon(function tick() {
      loop.callLater(1, tick);
    });
    const running = loop.runForever();
    const trace = await r.trace(2.5, { capacity: 500 });
    expect(port.trace!.events.byteLength).toBe(64 + 48 * 500);
    expect(readTrace(port.trace!)).toEqual(trace); // what the handle read: the ring, stopped
    expect(trace.otherData).toMatchObject({ capacity: 500, core });
    // a port whose buffers did not come along (a host that cannot grow a SharedArrayBuffer)
    const plain = connect({ ...port, trace: null });
    const sent = await plain.trace(1.5, { capacity: 300 });
    expect(sent.otherData).toMatchObject({ capacity: 300, core });
    expect(sent.traceEvents.filter((e) => e.ph === 'X' && e.name === 'tick').length).toBeGreaterThanOrEqual(1);
    expect(port.trace!.events.byteLength).toBe(64 + 48 * 500); // untouched
    // more than the port's buffers may grow to
    await expect(r.trace(1, { capacity: 2 ** 21 })).rejects.toThrow(RangeError);
    expect(loop._tracer).toBe(null);
    loop.stop();
    await running;
    loop.close();
  });

  it('trace() with hostile durations, capacities and options: it settles, with an error or a trace, and the loop is left untraced', async () => {
    const loop = vloop(core);
    const r = connect(loop.port());
    const running = loop.runForever();
    await fc.assert(
      fc.asyncProperty(hostile(), fc.constantFrom('seconds', 'capacity', 'opts'), async ({ value }, which) => {
        const call = which === 'seconds' ? () => r.trace(value as never) : which === 'capacity' ? () => r.trace(0, { capacity: value as never }) : () => r.trace(0, value as never);
        let outcome: unknown;
        try {
          outcome = await call();
        } catch (e) {
          outcome = e;
        }
        if (!(outcome instanceof Error)) expect((outcome as { traceEvents?: unknown }).traceEvents).toBeInstanceOf(Array);
        expect(loop._tracer).toBe(null);
      }),
      { numRuns: 60 },
    );
    loop.stop();
    await running;
    loop.close();
  });

  it('trace() refuses a loop that is being traced, and a bad duration', async () => {
    const loop = vloop(core);
    const r = connect(loop.port());
    const running = loop.runForever();
    await expect(r.trace(-1)).rejects.toThrow(RangeError);
    // an end past the clock's reach would never come (the hostile-values property found it: two huge durations in turn)
    loop.advance(1e308);
    await expect(r.trace(1e308)).rejects.toThrow(RangeError);
    loop.startTrace();
    await expect(r.trace(1)).rejects.toThrow(RuntimeError);
    loop.stopTrace();
    loop.stop();
    await running;
    loop.close();
  });
});
