/**
 * A connection lost with an error leaves its close waiter failed (StreamWriter.waitClosed, a
 * subprocess's stdin): awaiting it is optional, so — as in asyncio — that future is never
 * reported as "exception was never retrieved" when it is collected. The error still reaches
 * whoever reads or drains.
 */
import type * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventLoop, ExceptionContext } from '../bindings/index.js';
import { ConnectionError, PIPE, createSubprocessExec, openConnection, startServer, type Server } from '../bindings/node.js';
import { gc } from './gc.js';
import { CORES } from './helpers.js';
import { onLoop, trackUnhandled } from './io-helpers.js';

const unhandled = trackUnhandled();
afterAll(() => expect(unhandled).toEqual([]));

const addr = (s: Server) => s.sockets[0]!.getsockname() as [string, number];
const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));

/** Runs `lose` (which drops everything it made), collects garbage a few times, and gives the exception handler's reports. */
async function reportsAfterCollecting(loop: EventLoop, lose: () => Promise<unknown>): Promise<{ result: unknown; reports: string[] }> {
  const reports: string[] = [];
  loop.setExceptionHandler((_l, ctx: ExceptionContext) => void reports.push(`${ctx.message}: ${String(ctx.exception)}`));
  const result = await lose();
  for (let i = 0; i < 5; i++) {
    gc();
    await tick(10);
  }
  return { result, reports };
}

describe.each(CORES)('close waiters nobody awaits (%s core)', (core) => {
  it('a reset connection: the reader gets the ConnectionError, the unawaited waitClosed is not reported', async () => {
    const got = await onLoop(core, async (loop) => {
      let raw: net.Socket | null = null;
      const server = await startServer((_r, w) => {
        raw = w.getExtraInfo('socket') as net.Socket;
      }, '127.0.0.1', 0);
      const out = await reportsAfterCollecting(loop, async () => {
        const [reader] = await openConnection(...addr(server));
        while (raw === null) await tick();
        (raw as net.Socket).resetAndDestroy();
        return reader.read().then(
          () => 'no error',
          (e: unknown) => e instanceof ConnectionError,
        );
      });
      server.close();
      await server.waitClosed();
      return out;
    });
    expect(got).toEqual({ result: true, reports: [] });
  });

  it('a child that closes its stdin: its pipe is lost, drain fails with a ConnectionError, the unawaited stdin waitClosed is not reported', async () => {
    const got = await onLoop(core, async (loop) =>
      reportsAfterCollecting(loop, async () => {
        const p = await createSubprocessExec('sh', '-c', 'exec 0<&-; sleep 1', { stdin: PIPE });
        const stdin = p.stdin!;
        stdin.write(new Uint8Array(1 << 20));
        // the host reports EPIPE when it gets to it; then the pipe is lost and drain fails
        for (let i = 0; i < 400 && !stdin.transport.isClosing(); i++) await tick(5);
        await tick(5);
        const failed = await stdin.drain().then(
          () => 'no error',
          (e: unknown) => e instanceof ConnectionError,
        );
        p.kill();
        await p.wait();
        return failed;
      }),
    );
    expect(got).toEqual({ result: true, reports: [] });
  });
});
