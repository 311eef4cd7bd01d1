/** API.md §3: running and stopping, on both cores. */
// proves: §1.7, §3.1, §3.2, §3.4, §3.5, §3.6, §3.7
import { describe, expect, it } from 'vitest';
import { Future, RuntimeError, newEventLoop } from '../bindings/index.js';
import { CORES, countCalls, vloop } from './helpers.js';

describe.each(CORES)('running and stopping (%s core)', (core) => {
  it('runForever resolves after the iteration in which stop() was called', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    loop.callSoon(() => {
      seen.push('a');
      loop.stop();
      loop.callSoon(() => seen.push('next-iteration'));
    });
    loop.callSoon(() => seen.push('b')); // same iteration as the stop: still runs
    await loop.runForever();
    expect(seen).toEqual(['a', 'b']);
    // the callback scheduled during the stopping iteration is still pending, not lost
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual(['a', 'b', 'next-iteration']);
    loop.close();
  });

  it('stop() before runForever makes it run exactly one iteration', async () => {
    const loop = vloop(core);
    const seen: number[] = [];
    const again = (n: number) => {
      seen.push(n);
      loop.callSoon(again, n + 1);
    };
    loop.callSoon(again, 0);
    loop.stop();
    await loop.runForever();
    expect(seen).toEqual([0]);
    loop.stop();
    await loop.runForever();
    expect(seen).toEqual([0, 1]);
    loop.close();
  });

  it('isRunning is true while running and false after', async () => {
    const loop = vloop(core);
    let inside: boolean | undefined;
    loop.callSoon(() => {
      inside = loop.isRunning();
      loop.stop();
    });
    const p = loop.runForever();
    expect(loop.isRunning()).toBe(true);
    await p;
    expect(inside).toBe(true);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('runUntilComplete returns the future result', async () => {
    const loop = vloop(core);
    const fut = loop.createFuture<number>();
    loop.callLater(3, () => fut.setResult(42));
    await expect(loop.runUntilComplete(fut)).resolves.toBe(42);
    expect(loop.time()).toBe(3);
    loop.close();
  });

  it('runUntilComplete throws the future exception', async () => {
    const loop = vloop(core);
    const fut = loop.createFuture<number>();
    const err = new Error('boom');
    loop.callSoon(() => fut.setException(err));
    await expect(loop.runUntilComplete(fut)).rejects.toBe(err);
    loop.close();
  });

  it('runUntilComplete accepts a promise and a generator coroutine', async () => {
    const loop = vloop(core);
    await expect(loop.runUntilComplete(Promise.resolve('p'))).resolves.toBe('p');
    function* coro(): Generator<unknown, string, unknown> {
      const f = loop.createFuture<string>();
      loop.callLater(1, () => f.setResult('g'));
      return yield* f;
    }
    await expect(loop.runUntilComplete(coro())).resolves.toBe('g');
    loop.close();
  });

  it('runUntilComplete: the loop stopping first is a RuntimeError', async () => {
    const loop = vloop(core);
    const fut = loop.createFuture();
    loop.callSoon(() => loop.stop());
    await expect(loop.runUntilComplete(fut)).rejects.toThrow(new RuntimeError('Event loop stopped before Future completed.'));
    loop.close();
  });

  it('a running loop refuses to run again and to close', async () => {
    const loop = vloop(core);
    const errors: unknown[] = [];
    loop.callSoon(() => {
      try {
        loop.close();
      } catch (e) {
        errors.push(e);
      }
      loop.runForever().catch((e) => errors.push(e));
      try {
        loop.runForeverSync();
      } catch (e) {
        errors.push(e);
      }
      loop.stop();
    });
    await loop.runForever();
    await Promise.resolve();
    expect(errors.map((e) => [(e as Error).name, (e as Error).message])).toEqual([
      ['RuntimeError', 'Cannot close a running event loop'],
      ['RuntimeError', 'This event loop is already running'],
      ['RuntimeError', 'This event loop is already running'],
    ]);
    loop.close();
  });

  it('a second loop cannot run in a thread where another loop runs', async () => {
    const a = vloop(core);
    const b = vloop(core);
    let err: unknown;
    a.callSoon(() => {
      b.runForever().catch((e) => (err = e));
      a.stop();
    });
    await a.runForever();
    await Promise.resolve();
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as Error).message).toBe('Cannot run the event loop while another loop is running');
    expect(b.isRunning()).toBe(false);
    a.close();
    b.close();
  });

  it('close() drops pending callbacks and timers, is idempotent, and scheduling afterwards throws', async () => {
    const loop = vloop(core);
    const seen: string[] = [];
    const h = loop.callSoon(() => seen.push('soon'));
    loop.callLater(1, () => seen.push('later'));
    expect(loop._core.footprint()).toBeGreaterThan(0);
    loop.close();
    expect(loop._core.footprint()).toBe(0); // the core's memory is let go
    loop.close();
    expect(loop.isClosed()).toBe(true);
    h.cancel(); // harmless after close
    const closed = new RuntimeError('Event loop is closed');
    expect(() => loop.callSoon(() => {})).toThrow(closed);
    expect(() => loop.callLater(1, () => {})).toThrow(closed);
    expect(() => loop.callAt(1, () => {})).toThrow(closed);
    expect(() => loop.callSoonThreadsafe(() => {})).toThrow(closed);
    await expect(loop.runForever()).rejects.toThrow(closed);
    await expect(loop.runUntilComplete(Promise.resolve(1))).rejects.toThrow(closed);
    expect(() => loop.runForeverSync()).toThrow(closed);
    expect(seen).toEqual([]);
  });

  it('a future of another loop is refused by runUntilComplete', async () => {
    const a = vloop(core);
    const b = vloop(core);
    const f = new Future({ loop: b });
    await expect(a.runUntilComplete(f)).rejects.toThrow(/different loop/);
    a.close();
    b.close();
  });

  it('the loop gives promise reactions a turn between iterations', async () => {
    const loop = vloop(core);
    const log: string[] = [];
    loop.callSoon(() => {
      log.push('cb1');
      void Promise.resolve().then(() => log.push('reaction'));
      loop.callSoon(() => {
        log.push('cb2');
        loop.stop();
      });
    });
    await loop.runForever();
    expect(log).toEqual(['cb1', 'reaction', 'cb2']);
    loop.close();
  });

  it('a busy loop still returns to the host every few milliseconds', async () => {
    const loop = newEventLoop({ core });
    let hostTurns = 0;
    let spins = 0;
    const hostTick = () => {
      hostTurns++;
      if (loop.isRunning()) setTimeout(hostTick, 0);
    };
    setTimeout(hostTick, 0);
    const spin = () => {
      spins++;
      if (hostTurns >= 3) loop.stop();
      else loop.callSoon(spin);
    };
    loop.callSoon(spin);
    await loop.runForever();
    expect(hostTurns).toBeGreaterThanOrEqual(3);
    expect(spins).toBeGreaterThan(3);
    loop.close();
  });

  it('an idle loop sleeps in the host until its next timer: no busy wait', async () => {
    const loop = newEventLoop({ core });
    const counts = countCalls(loop);
    let hostTurns = 0;
    const hostTick = () => {
      hostTurns++;
      if (loop.isRunning()) setTimeout(hostTick, 5);
    };
    setTimeout(hostTick, 5);
    const t0 = loop.time();
    let at = 0;
    loop.callLater(0.1, () => {
      at = loop.time();
      loop.stop();
    });
    await loop.runForever();
    expect(at - t0).toBeGreaterThanOrEqual(0.1 - loop.clockResolution);
    // a spinning loop would tick thousands of times in 0.1 s; a sleeping one wakes for the timer
    // (and, at most, once more for a host timer that fired a little early)
    expect(counts.ticks).toBeLessThanOrEqual(10);
    expect(hostTurns).toBeGreaterThan(0); // the host's own timers ran while the loop slept
    loop.close();
  });

  it('host code scheduling onto a sleeping loop wakes it at once', async () => {
    const loop = newEventLoop({ core });
    const far = loop.callLater(3600, () => {});
    let woke = -1;
    const t0 = loop.time();
    setTimeout(() => loop.callSoon(() => {
      woke = loop.time();
      loop.stop();
    }), 20);
    await loop.runForever();
    expect(woke - t0).toBeLessThan(5);
    far.cancel();
    loop.close();
  });
});
