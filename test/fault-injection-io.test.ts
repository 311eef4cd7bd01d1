/**
 * Fault injection over host I/O (test/fault-helpers.ts's sweep): a TCP echo over loopback with
 * streams, a subprocess through pipes, and a signal handler, with the core's k-th allocation refused, on both cores. What the
 * host hands to the loop (socket events, a connection made, a signal) must never be lost to a full
 * core: a refusal there has nobody to be told, so it waits for a slot.
 */
import { afterAll, describe, expect, it } from 'vitest';
import process from 'node:process';
import { PIPE, createSubprocessExec, openConnection, startServer } from '../bindings/node.js';
import { CORES } from './helpers.js';
import { sweep } from './fault-helpers.js';
import { dec, enc, trackUnhandled } from './io-helpers.js';

const unhandled = trackUnhandled();
afterAll(() => expect(unhandled).toEqual([]));

describe.each(CORES)('fault injection over host I/O (%s core)', (core) => {
  it('a TCP echo through streams: for every k the state stays consistent and the loop usable', async () => {
    const outcomes = await sweep(
      core,
      async () => {
        const server = await startServer(async (r, w) => {
          w.write(await r.readline());
          await w.drain();
          w.close();
        }, '127.0.0.1', 0);
        try {
          const [reader, writer] = await openConnection('127.0.0.1', server.sockets[0]!.getsockname()[1] as number);
          writer.write(enc('ping\n'));
          await writer.drain();
          const line = dec(await reader.readline());
          writer.close();
          await writer.waitClosed();
          return line;
        } finally {
          server.close();
          await server.waitClosed();
        }
      },
      'ping\n',
      { clock: 'monotonic', hang: 10 },
    );
    for (const o of outcomes) expect(['ok', 'refused', 'create refused'], `k=${o.k}`).toContain(o.how);
  }, 30_000);

  it('a subprocess through pipes: for every k the state stays consistent and the loop usable', async () => {
    const outcomes = await sweep(
      core,
      async () => {
        const proc = await createSubprocessExec('sh', '-c', 'cat; echo err >&2; exit 3', { stdin: PIPE, stdout: PIPE, stderr: PIPE });
        const [out, err] = await proc.communicate(enc('hi'));
        return [dec(out!), dec(err!), proc.returncode];
      },
      ['hi', 'err\n', 3],
      { clock: 'monotonic', hang: 10 },
    );
    for (const o of outcomes) expect(['ok', 'refused', 'create refused'], `k=${o.k}`).toContain(o.how);
  }, 60_000);

  it('a signal handler: for every k the state stays consistent and the loop usable', async () => {
    const outcomes = await sweep(
      core,
      async (loop, made) => {
        const fut = loop.createFuture<string>();
        made.push(fut);
        loop.addSignalHandler('SIGUSR2', (tag: string) => void (fut.done() || fut.setResult(tag)), 'got it');
        try {
          process.kill(process.pid, 'SIGUSR2');
          return await fut;
        } finally {
          loop.removeSignalHandler('SIGUSR2');
        }
      },
      'got it',
      { clock: 'monotonic', hang: 10 },
    );
    for (const o of outcomes) expect(['ok', 'refused', 'create refused'], `k=${o.k}`).toContain(o.how);
  });
});
