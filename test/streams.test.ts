/** StreamReader/StreamWriter semantics (asyncio.streams), fed by hand on the virtual clock. */
// proves: §7.1
import { describe, expect, it } from 'vitest';
import { CancelledError, ContextVar, RuntimeError, currentTask, sleep, timeout } from '../bindings/index.js';
import { DEFAULT_LIMIT, IncompleteReadError, LimitOverrunError, StreamReader, openConnection, startServer } from '../bindings/node.js';
import { CORES, iterations, vloop } from './helpers.js';
import { dec, enc, onLoop } from './io-helpers.js';

describe.each(CORES)('StreamReader (%s core)', (core) => {
  async function withReader<T>(fn: (r: StreamReader, loop: ReturnType<typeof vloop>) => Promise<T>, limit?: number): Promise<T> {
    const loop = vloop(core);
    try {
      return await loop.runUntilComplete(loop.createTask(() => fn(new StreamReader({ loop, limit }), loop)));
    } finally {
      loop.close();
    }
  }

  it('read(n) gives what is buffered up to n, and an empty array at EOF', async () => {
    const got = await withReader(async (r) => {
      r.feedData(enc('hello '));
      r.feedData(enc('world'));
      const a = await r.read(3);
      const b = await r.read(100);
      r.feedEof();
      const c = await r.read(10);
      return [dec(a), dec(b), c.length, r.atEof()];
    });
    expect(got).toEqual(['hel', 'lo world', 0, true]);
  });

  it('read() with no size reads until EOF, waiting for later chunks', async () => {
    const got = await withReader(async (r, loop) => {
      loop.callLater(1, () => r.feedData(enc('b')));
      loop.callLater(2, () => r.feedEof());
      r.feedData(enc('a'));
      const all = await r.read();
      return [dec(all), loop.time()];
    });
    expect(got).toEqual(['ab', 2]);
  });

  it('readline splits lines across chunks and returns the partial last line at EOF', async () => {
    const got = await withReader(async (r) => {
      r.feedData(enc('one\ntw'));
      r.feedData(enc('o\nthr'));
      r.feedData(enc('ee'));
      r.feedEof();
      const lines: string[] = [];
      for (;;) {
        const l = await r.readline();
        if (!l.length) break;
        lines.push(dec(l));
      }
      return lines;
    });
    expect(got).toEqual(['one\n', 'two\n', 'three']);
  });

  it('async iteration yields each line until EOF', async () => {
    const got = await withReader(async (r, loop) => {
      r.feedData(enc('a\nb\n'));
      loop.callLater(1, () => {
        r.feedData(enc('c\n'));
        r.feedEof();
      });
      const lines: string[] = [];
      for await (const l of r) lines.push(dec(l));
      return lines;
    });
    expect(got).toEqual(['a\n', 'b\n', 'c\n']);
  });

  it('readexactly waits for n bytes and raises IncompleteReadError with the partial data at EOF', async () => {
    const got = await withReader(async (r, loop) => {
      loop.callLater(1, () => r.feedData(enc('45')));
      r.feedData(enc('0123'));
      const six = dec(await r.readexactly(6));
      r.feedData(enc('xy'));
      r.feedEof();
      const err = await r.readexactly(5).then(
        () => null,
        (e) => e,
      );
      return [six, err instanceof IncompleteReadError, dec(err.partial), err.expected, err.message];
    });
    expect(got).toEqual(['012345', true, 'xy', 5, '2 bytes read on a total of 5 expected bytes']);
  });

  it('readuntil finds a multi-byte separator split across chunks', async () => {
    const got = await withReader(async (r) => {
      r.feedData(enc('abc\r'));
      r.feedData(enc('\ndef'));
      return dec(await r.readuntil(enc('\r\n')));
    });
    expect(got).toBe('abc\r\n');
  });

  it('readuntil raises LimitOverrunError past the limit and keeps the data', async () => {
    const got = await withReader(async (r) => {
      r.feedData(enc('x'.repeat(20)));
      const e1 = await r.readuntil(enc('\n')).then(
        () => null,
        (e) => e,
      );
      r.feedData(enc('\n'));
      const e2 = await r.readuntil(enc('\n')).then(
        () => null,
        (e) => e,
      );
      return [e1 instanceof LimitOverrunError, e1.message, e1.consumed, e2 instanceof LimitOverrunError, e2.message, e2.consumed, r.bufferedSize];
    }, 10);
    expect(got).toEqual([true, 'Separator is not found, and chunk exceed the limit', 20, true, 'Separator is found, but chunk is longer than limit', 20, 21]);
  });

  it('readline past the limit raises RangeError and drops the overlong line', async () => {
    const got = await withReader(async (r) => {
      r.feedData(enc('x'.repeat(20) + '\nnext\n'));
      const e = await r.readline().then(
        () => null,
        (x) => x,
      );
      return [e instanceof RangeError, e.cause instanceof LimitOverrunError, dec(await r.readline())];
    }, 10);
    expect(got).toEqual([true, true, 'next\n']);
  });

  it('readuntil at EOF without the separator raises IncompleteReadError with expected null', async () => {
    const got = await withReader(async (r) => {
      r.feedData(enc('abc'));
      r.feedEof();
      const e = await r.readuntil(enc('!')).then(
        () => null,
        (x) => x,
      );
      return [e instanceof IncompleteReadError, dec(e.partial), e.expected];
    });
    expect(got).toEqual([true, 'abc', null]);
  });

  it('a second read while one waits fails with RuntimeError', async () => {
    const got = await withReader(async (r) => {
      const first = r.read(5);
      const e = await r.readline().then(
        () => null,
        (x) => x,
      );
      r.feedData(enc('ok'));
      return [e instanceof RuntimeError, e.message, dec(await first)];
    });
    expect(got).toEqual([true, 'readline() called while another coroutine is already waiting for incoming data', 'ok']);
  });

  it('setException fails the waiting read and every later read', async () => {
    const got = await withReader(async (r) => {
      const boom = new Error('boom');
      const pending = r.read(1);
      r.setException(boom);
      const a = await pending.then(
        () => null,
        (e) => e,
      );
      const b = await r.readexactly(1).then(
        () => null,
        (e) => e,
      );
      return [a === boom, b === boom];
    });
    expect(got).toEqual([true, true]);
  });

  it('a cancelled read does not take the data, and the next read gets it', async () => {
    const got = await withReader(async (r) => {
      const pending = r.read(5);
      pending.cancel();
      const c = await pending.then(
        () => null,
        (e) => e,
      );
      r.feedData(enc('data'));
      return [c instanceof CancelledError, dec(await r.read(5))];
    });
    expect(got).toEqual([true, 'data']);
  });

  it('a generator task reads with yield*', async () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    loop.callLater(1, () => r.feedData(enc('line\n')));
    const task = loop.createTask(
      (function* () {
        const line = yield* r.readline();
        return dec(line);
      })(),
    );
    expect(await loop.runUntilComplete(task)).toBe('line\n');
    loop.close();
  });

  it('pauses its transport above 2 × limit and resumes it at limit or below', async () => {
    const got = await withReader(async (r) => {
      const calls: string[] = [];
      r.setTransport({ pauseReading: () => void calls.push('pause'), resumeReading: () => void calls.push('resume') });
      r.feedData(new Uint8Array(15));
      r.feedData(new Uint8Array(10)); // 25 > 2 × 10
      await r.read(10); // 15 left: still above the limit
      const mid = [...calls];
      await r.read(5); // 10 left
      return [mid, calls];
    }, 10);
    expect(got).toEqual([['pause'], ['pause', 'resume']]);
  });

  it('a read that waits with its transport paused resumes it: readexactly(n) with n > 2 × limit completes (defect 10)', async () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop, limit: 10 });
    let paused = false;
    const pausedWhileWaiting: number[] = [];
    r.setTransport({ pauseReading: () => void (paused = true), resumeReading: () => void (paused = false) });
    const read = r.readexactly(100);
    for (let i = 0; i < 10; i++) {
      r.feedData(new Uint8Array(10).fill(i)); // above 2 × limit from the third chunk on: paused
      await iterations(loop); // the read looks again, still short: it resumes the transport
      if (!read.done() && paused) pausedWhileWaiting.push(i);
    }
    await iterations(loop);
    expect(pausedWhileWaiting).toEqual([]);
    expect(read.result().length).toBe(100);
    expect(read.result()[99]).toBe(9);
    loop.close();
  });

  it('a 4 MiB readexactly over TCP on a default reader completes (64 × limit, defect 10)', async () => {
    const size = 64 * DEFAULT_LIMIT;
    const got = await onLoop(core, async () => {
      const payload = new Uint8Array(size);
      for (let i = 0; i < size; i++) payload[i] = (i * 7) & 255;
      const server = await startServer(async (_reader, writer) => {
        writer.write(payload);
        await writer.drain();
        writer.close();
      }, '127.0.0.1', 0);
      const [host, port] = server.sockets[0]!.getsockname() as [string, number];
      const [reader, writer] = await openConnection(host, port);
      const data = await reader.readexactly(size);
      writer.close();
      server.close();
      await server.waitClosed();
      let same = data.length === size;
      for (let i = 0; same && i < size; i++) same = data[i] === payload[i];
      return same;
    });
    expect(got).toBe(true);
  });

  it('readline over many one-byte chunks with 512 KiB buffered copies and scans each byte a bounded number of times (defect 11)', async () => {
    const pre = 512 * 1024;
    const n = 2000;
    const proto = Uint8Array.prototype as unknown as { set: (...a: any[]) => void; indexOf: (...a: any[]) => number };
    const { set, indexOf } = proto;
    let copied = 0;
    let scanned = 0;
    proto.set = function (this: Uint8Array, src: ArrayLike<number>, at?: number) {
      copied += src.length;
      return set.call(this, src, at);
    };
    proto.indexOf = function (this: Uint8Array, v: number, from = 0) {
      const i = indexOf.call(this, v, from);
      scanned += (i === -1 ? this.length : i + 1) - from;
      return i;
    };
    let line: Uint8Array;
    try {
      const loop = vloop(core);
      const r = new StreamReader({ loop, limit: 4 * pre });
      r.feedData(new Uint8Array(pre).fill(120));
      const read = r.readline();
      let i = 0;
      const one = new Uint8Array([120]);
      const feed = (): void => {
        if (i++ < n) {
          r.feedData(one);
          loop.callSoon(feed);
        } else r.feedData(enc('\n'));
      };
      loop.callSoon(feed);
      line = await loop.runUntilComplete(read);
      loop.close();
    } finally {
      proto.set = set;
      proto.indexOf = indexOf;
    }
    expect(line.length).toBe(pre + n + 1);
    // linear: a few passes over the bytes (quadratic copying was ~n × pre = 1 GiB here)
    expect(copied).toBeLessThan(4 * (pre + n));
    expect(scanned).toBeLessThan(2 * (pre + n));
  });

  it('an async function given to startServer runs as a task: currentTask(), ContextVars across awaits, timeout() (defect 13)', async () => {
    const got = await onLoop(core, async () => {
      const requestId = new ContextVar<string>('requestId', { default: 'none' });
      const seen: unknown[] = [];
      let n = 0;
      const server = await startServer(async (reader, writer) => {
        seen.push(currentTask() !== null);
        requestId.set(`req-${++n}`);
        const line = await reader.readline();
        await sleep(0);
        const reply = await timeout(5).run(async () => `${requestId.get()} ${dec(line).trim()}\n`);
        writer.write(enc(reply));
        await writer.drain();
        writer.close();
      }, '127.0.0.1', 0);
      const [host, port] = server.sockets[0]!.getsockname() as [string, number];
      const replies: string[] = [];
      for (const word of ['a', 'b']) {
        const [reader, writer] = await openConnection(host, port);
        writer.write(enc(`${word}\n`));
        replies.push(dec(await reader.read()));
        writer.close();
      }
      server.close();
      await server.waitClosed();
      return [seen, replies, requestId.get()];
    });
    expect(got).toEqual([[true, true], ['req-1 a\n', 'req-2 b\n'], 'none']);
  });

  it('checks its arguments at the call site', async () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    expect(() => r.readexactly(-1)).toThrow(RangeError);
    expect(() => r.read(1.5)).toThrow(TypeError);
    expect(() => r.readuntil(new Uint8Array(0))).toThrow(RangeError);
    expect(() => r.feedData('text' as never)).toThrow(/encode it first/);
    expect(() => new StreamReader({ loop, limit: 0 })).toThrow(RangeError);
    r.feedEof();
    expect(() => r.feedData(enc('x'))).toThrow(RuntimeError);
    loop.close();
  });
});
