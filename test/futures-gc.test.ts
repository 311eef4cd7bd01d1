/**
 * API.md §6: a Future or Task whose exception nobody retrieved is reported to the loop's exception
 * handler when it is garbage collected (FinalizationRegistry), as asyncio reports it from __del__.
 * Needs a forced collection (test/gc.ts: Node, Bun, Deno; a browser page cannot force one).
 * In Deno an Error keeps the task whose step made it: the report still comes (futures.ts: record()).
 */
import { describe, expect, it } from 'vitest';
import type { ExceptionContext } from '../bindings/index.js';
import { StreamReader, StreamReaderProtocol } from '../bindings/web.js';
import { gc } from './gc.js';
import { CORES, iterations, runTask, vloop } from './helpers.js';

describe.each(CORES)('unretrieved exceptions (%s core)', (core) => {
  it('an exception nobody retrieved is reported when the future is collected', async () => {
    const loop = vloop(core);
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    const err = new Error('lost');
    (() => {
      const f = loop.createFuture();
      f.setException(err);
      const g = loop.createFuture();
      g.setException(new Error('looked at'));
      g.exception();
      const h = loop.createFuture();
      h.setResult(1);
    })();
    for (let i = 0; i < 10 && reports.length === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(reports.map((r) => [r.message, r.exception])).toEqual([['Future exception was never retrieved', err]]);
    expect(reports[0]!.futureRepr).toBe('<Future finished exception=Error("lost")>');
    loop.close();
  });

  it('cancel() of a failed future or task returns false and counts as retrieving its exception (asyncio: cancel() clears __log_traceback first)', async () => {
    const loop = vloop(core);
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    await (async () => {
      const f = loop.createFuture();
      f.setException(new Error('cancelled after failing'));
      expect(f.cancel()).toBe(false);
      const t = loop.createTask(function* () {
        throw new Error('task cancelled after failing');
      });
      await iterations(loop);
      expect(t.done()).toBe(true);
      expect(t.cancel()).toBe(false);
      const g = loop.createFuture();
      g.setException(new Error('not cancelled')); // the control: this one is reported
    })();
    for (let i = 0; i < 10 && reports.length === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let i = 0; i < 3; i++) {
      gc(); // and a few more: a report of the cancelled ones would come with the control's
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(['not cancelled']);
    loop.close();
  });

  it('a task exception nobody retrieved is reported as such; awaiting it counts as retrieving', async () => {
    const loop = vloop(core);
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    await (async () => {
      const t = loop.createTask(function* () {
        throw new Error('task failed');
      });
      const u = loop.createTask(async () => {
        throw new Error('awaited');
      });
      await expect(loop.runUntilComplete(t)).rejects.toThrow('task failed');
      const seen = await runTask(loop, async () => {
        try {
          await u;
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(seen).toBe('awaited');
    })();
    loop.createTask(function* named() {
      throw new Error('dropped');
    });
    await iterations(loop, 2);
    for (let i = 0; i < 10 && reports.length === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(reports.map((r) => [r.message, (r.exception as Error).message])).toEqual([['Task exception was never retrieved', 'dropped']]);
    expect(reports[0]!.exception).toBeInstanceOf(Error);
    expect(String(reports[0]!.futureRepr)).toMatch(/^<Task finished name="Task-\d+" coro=<named\(\)> exception=Error\("dropped"\)>$/);
    loop.close();
  });

  it("a stream's close waiter that failed is no lost exception: waitClosed() is optional (asyncio retrieves it in __del__)", async () => {
    const loop = vloop(core);
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    (() => {
      const protocol = new StreamReaderProtocol(new StreamReader({ loop }), null, loop);
      protocol.connectionLost(new Error('reset by peer'));
      // the control: a future nobody looked at, collected in the same sweeps, is reported
      loop.createFuture().setException(new Error('control'));
    })();
    for (let i = 0; i < 10 && reports.length === 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    gc();
    await new Promise((r) => setTimeout(r, 10));
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(['control']);
    loop.close();
  });
});
