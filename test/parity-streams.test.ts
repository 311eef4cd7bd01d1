/**
 * CPython's own StreamReader cases (Lib/test/test_asyncio/test_streams.py, 3.13), ported where
 * they test stream logic with feed_data (no sockets), each named after its original. Python's
 * ValueError is RangeError here; `stream._buffer` is what the reader still holds.
 *
 * Where CPython schedules its feeding callback before the read starts, the port starts the read
 * first and feeds from a callback after it: the read then waits and is woken, the order in which
 * a reader that retried synchronously from feedData saw less than asyncio's (issue 14, defect 22).
 */
// proves: §7.1
import { describe, expect, it } from 'vitest';
import { RuntimeError, type EventLoop, wait } from '../bindings/index.js';
import { FlowControlProtocol, IncompleteReadError, LimitOverrunError, StreamReader } from '../bindings/web.js';
import { CORES, vloop } from './helpers.js';
import { dec, enc } from './hostio/kit.js';

const DATA = 'line1\nline2\nline3\n';

/** What the reader still holds (asyncio's `stream._buffer`), without consuming it. */
function buffer(r: StreamReader): string {
  return dec((r as unknown as { _contiguous(): Uint8Array })._contiguous());
}

/** The error a Future-returning read fails with (null when it succeeds). */
async function failure(p: PromiseLike<unknown>): Promise<any> {
  try {
    await p;
    return null;
  } catch (e) {
    return e;
  }
}

describe.each(CORES)('CPython test_streams, StreamReader logic (%s core)', (core) => {
  /** Runs `fn` as a task on a virtual-clock loop; closes the loop. */
  async function onLoop<T>(fn: (loop: EventLoop) => Promise<T>): Promise<T> {
    const loop = vloop(core);
    try {
      return await loop.runUntilComplete(loop.createTask(() => fn(loop)));
    } finally {
      loop.close();
    }
  }

  it('test_streams.test_feed_empty_data', async () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    r.feedData(enc(''));
    expect(buffer(r)).toBe('');
    loop.close();
  });

  it('test_streams.test_feed_nonempty_data', async () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    r.feedData(enc(DATA));
    expect(buffer(r)).toBe(DATA);
    loop.close();
  });

  it('test_streams.test_read_zero', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc(DATA));
      return [dec(await r.read(0)), buffer(r)];
    });
    expect(got).toEqual(['', DATA]);
  });

  it('test_streams.test_read', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const read = r.read(30);
      loop.callSoon(() => r.feedData(enc(DATA)));
      return [dec(await read), buffer(r)];
    });
    expect(got).toEqual([DATA, '']);
  });

  it('test_streams.test_read_line_breaks', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('line1'));
      r.feedData(enc('line2'));
      return [dec(await r.read(5)), buffer(r)];
    });
    expect(got).toEqual(['line1', 'line2']);
  });

  it('test_streams.test_read_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const read = r.read(1024);
      loop.callSoon(() => r.feedEof());
      return [dec(await read), buffer(r)];
    });
    expect(got).toEqual(['', '']);
  });

  it('test_streams.test_read_until_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const read = r.read(-1);
      loop.callSoon(() => {
        r.feedData(enc('chunk1\n'));
        r.feedData(enc('chunk2'));
        r.feedEof();
      });
      return [dec(await read), buffer(r)];
    });
    expect(got).toEqual(['chunk1\nchunk2', '']);
  });

  it('test_streams.test_read_exception', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('line\n'));
      const a = dec(await r.read(2));
      const boom = new RangeError();
      r.setException(boom);
      return [a, (await failure(r.read(2))) === boom];
    });
    expect(got).toEqual(['li', true]);
  });

  it('test_streams.test_invalid_limit', () => {
    const loop = vloop(core);
    expect(() => new StreamReader({ loop, limit: 0 })).toThrow(/imit/);
    expect(() => new StreamReader({ loop, limit: -1 })).toThrow(RangeError);
    loop.close();
  });

  it('test_streams.test_read_limit', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop, limit: 3 });
      r.feedData(enc('chunk'));
      return [dec(await r.read(5)), buffer(r)];
    });
    expect(got).toEqual(['chunk', '']);
  });

  it('test_streams.test_readline', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('chunk1 '));
      const line = r.readline();
      loop.callSoon(() => {
        r.feedData(enc('chunk2 '));
        r.feedData(enc('chunk3 '));
        r.feedData(enc('\n chunk4'));
      });
      return [dec(await line), buffer(r)];
    });
    expect(got).toEqual(['chunk1 chunk2 chunk3 \n', ' chunk4']);
  });

  it('test_streams.test_readline_limit_with_existing_data', async () => {
    const got = await onLoop(async (loop) => {
      const out: unknown[] = [];
      let r = new StreamReader({ loop, limit: 3 });
      r.feedData(enc('li'));
      r.feedData(enc('ne1\nline2\n'));
      out.push(await failure(r.readline()) instanceof RangeError, buffer(r));
      r = new StreamReader({ loop, limit: 3 });
      r.feedData(enc('li'));
      r.feedData(enc('ne1'));
      r.feedData(enc('li'));
      out.push(await failure(r.readline()) instanceof RangeError, buffer(r));
      return out;
    });
    expect(got).toEqual([true, 'line2\n', true, '']);
  });

  it('test_streams.test_at_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const seen = [r.atEof()];
      r.feedData(enc('some data\n'));
      seen.push(r.atEof());
      await r.readline();
      seen.push(r.atEof());
      r.feedData(enc('some data\n'));
      r.feedEof();
      await r.readline();
      seen.push(r.atEof());
      return seen;
    });
    expect(got).toEqual([false, false, false, true]);
  });

  it('test_streams.test_readline_limit', async () => {
    const got = await onLoop(async (loop) => {
      const out: unknown[] = [];
      // fed while readline() waits: the whole line is in the buffer when it looks again
      let r = new StreamReader({ loop, limit: 7 });
      let line = r.readline();
      loop.callSoon(() => {
        r.feedData(enc('chunk1'));
        r.feedData(enc('chunk2'));
        r.feedData(enc('chunk3\n'));
        r.feedEof();
      });
      const e = await failure(line);
      out.push(e instanceof RangeError, e.cause instanceof LimitOverrunError, buffer(r));
      r = new StreamReader({ loop, limit: 7 });
      line = r.readline();
      loop.callSoon(() => {
        r.feedData(enc('chunk1'));
        r.feedData(enc('chunk2\n'));
        r.feedData(enc('chunk3\n'));
        r.feedEof();
      });
      out.push((await failure(line)) instanceof RangeError, buffer(r));
      // the strictness of the limit
      r = new StreamReader({ loop, limit: 7 });
      r.feedData(enc('1234567\n'));
      out.push(dec(await r.readline()), buffer(r));
      r.feedData(enc('12345678\n'));
      out.push((await failure(r.readline())) instanceof RangeError, buffer(r));
      r.feedData(enc('12345678'));
      out.push((await failure(r.readline())) instanceof RangeError, buffer(r));
      return out;
    });
    expect(got).toEqual([true, true, '', true, 'chunk3\n', '1234567\n', '', true, '', true, '']);
  });

  it('test_streams.test_readline_nolimit_nowait', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc(DATA.slice(0, 6)));
      r.feedData(enc(DATA.slice(6)));
      return [dec(await r.readline()), buffer(r)];
    });
    expect(got).toEqual(['line1\n', 'line2\nline3\n']);
  });

  it('test_streams.test_readline_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('some data'));
      r.feedEof();
      return dec(await r.readline());
    });
    expect(got).toBe('some data');
  });

  it('test_streams.test_readline_empty_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedEof();
      return dec(await r.readline());
    });
    expect(got).toBe('');
  });

  it('test_streams.test_readline_read_byte_count', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc(DATA));
      await r.readline();
      return [dec(await r.read(7)), buffer(r)];
    });
    expect(got).toEqual(['line2\nl', 'ine3\n']);
  });

  it('test_streams.test_readline_exception', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('line\n'));
      const a = dec(await r.readline());
      const boom = new RangeError();
      r.setException(boom);
      return [a, (await failure(r.readline())) === boom, buffer(r)];
    });
    expect(got).toEqual(['line\n', true, '']);
  });

  it('test_streams.test_readuntil_separator', () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    expect(() => r.readuntil(enc(''))).toThrow(new RangeError('Separator should be at least one-byte string'));
    loop.close();
  });

  it('test_streams.test_readuntil_multi_chunks', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const out: string[] = [];
      r.feedData(enc('lineAAA'));
      out.push(dec(await r.readuntil(enc('AAA'))), buffer(r));
      r.feedData(enc('lineAAA'));
      out.push(dec(await r.readuntil(enc('AAA'))), buffer(r));
      r.feedData(enc('lineAAAxxx'));
      out.push(dec(await r.readuntil(enc('AAA'))), buffer(r));
      return out;
    });
    expect(got).toEqual(['lineAAA', '', 'lineAAA', '', 'lineAAA', 'xxx']);
  });

  it('test_streams.test_readuntil_multi_chunks_1', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const out: string[] = [];
      for (const chunks of [['QWEaa', 'XYaa', 'a'], ['QWEaa', 'XYa', 'aa'], ['aaa'], ['Xaaa'], ['XXX', 'a', 'a', 'a']]) {
        for (const c of chunks) r.feedData(enc(c));
        out.push(dec(await r.readuntil(enc('aaa'))), buffer(r));
      }
      return out;
    });
    expect(got).toEqual(['QWEaaXYaaa', '', 'QWEaaXYaaa', '', 'aaa', '', 'Xaaa', '', 'XXXaaa', '']);
  });

  it('test_streams.test_readuntil_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('some dataAA'));
      r.feedEof();
      const e = await failure(r.readuntil(enc('AAA')));
      return [e instanceof IncompleteReadError, e.message, dec(e.partial), e.expected, buffer(r)];
    });
    expect(got).toEqual([true, '11 bytes read on a total of undefined expected bytes', 'some dataAA', null, '']);
  });

  it('test_streams.test_readuntil_limit_found_sep', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop, limit: 3 });
      r.feedData(enc('some dataAA'));
      const e1 = await failure(r.readuntil(enc('AAA')));
      const b1 = buffer(r);
      r.feedData(enc('A'));
      const e2 = await failure(r.readuntil(enc('AAA')));
      return [e1 instanceof LimitOverrunError && /not found/.test(e1.message), b1, e2 instanceof LimitOverrunError && /is found/.test(e2.message), buffer(r)];
    });
    expect(got).toEqual([true, 'some dataAA', true, 'some dataAAA']);
  });

  it('test_streams.test_readuntil_multi_separator', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const out: string[] = [];
      // the simple case
      r.feedData(enc('line 1\nline 2\r'));
      out.push(dec(await r.readuntil([enc('\r'), enc('\n')])));
      out.push(dec(await r.readuntil([enc('\r'), enc('\n')])), buffer(r));
      // the first end position matches, even if that is a longer match
      r.feedData(enc('ABCDEFG'));
      out.push(dec(await r.readuntil([enc('DEF'), enc('BCDE')])), buffer(r));
      return out;
    });
    expect(got).toEqual(['line 1\n', 'line 2\r', '', 'ABCDE', 'FG']);
  });

  it('test_streams.test_readuntil_multi_separator_limit', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop, limit: 3 });
      r.feedData(enc('some dataA'));
      const e = await failure(r.readuntil([enc('A'), enc('ome dataA')]));
      return [e instanceof LimitOverrunError && /is found/.test(e.message), buffer(r)];
    });
    expect(got).toEqual([true, 'some dataA']);
  });

  it('test_streams.test_readuntil_multi_separator_negative_offset', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('data'));
      const until = r.readuntil([enc('A'), enc('long sep')]);
      loop.callSoon(() => r.feedData(enc('Z')));
      loop.callSoon(() => r.feedData(enc('Aaaa')));
      return [dec(await until), buffer(r)];
    });
    expect(got).toEqual(['dataZA', 'aaa']);
  });

  it('test_streams.test_readuntil_bytearray', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('some data\r\n'));
      // any bytes-like separator: here an ArrayBuffer and a DataView
      const sep = enc('\r\n');
      const a = dec(await r.readuntil(sep.buffer as ArrayBuffer));
      r.feedData(enc('more\r\n'));
      const b = dec(await r.readuntil(new DataView(sep.buffer)));
      return [a, b, buffer(r)];
    });
    expect(got).toEqual(['some data\r\n', 'more\r\n', '']);
  });

  it('test_streams.test_readexactly_zero_or_less', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc(DATA));
      const zero = dec(await r.readexactly(0));
      const b1 = buffer(r);
      let msg = '';
      try {
        r.readexactly(-1);
      } catch (e) {
        msg = e instanceof RangeError ? e.message : 'not a RangeError';
      }
      return [zero, b1, msg, buffer(r)];
    });
    expect(got).toEqual(['', DATA, 'readexactly size can not be less than zero', DATA]);
  });

  it('test_streams.test_readexactly', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const read = r.readexactly(2 * DATA.length);
      loop.callSoon(() => {
        r.feedData(enc(DATA));
        r.feedData(enc(DATA));
        r.feedData(enc(DATA));
      });
      return [dec(await read), buffer(r)];
    });
    expect(got).toEqual([DATA + DATA, DATA]);
  });

  it('test_streams.test_readexactly_limit', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop, limit: 3 });
      r.feedData(enc('chunk'));
      return [dec(await r.readexactly(5)), buffer(r)];
    });
    expect(got).toEqual(['chunk', '']);
  });

  it('test_streams.test_readexactly_eof', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const read = r.readexactly(2 * DATA.length);
      loop.callSoon(() => {
        r.feedData(enc(DATA));
        r.feedEof();
      });
      const e = await failure(read);
      return [e instanceof IncompleteReadError, dec(e.partial), e.expected, e.message, buffer(r)];
    });
    expect(got).toEqual([true, DATA, 36, '18 bytes read on a total of 36 expected bytes', '']);
  });

  it('test_streams.test_readexactly_exception', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      r.feedData(enc('line\n'));
      const a = dec(await r.readexactly(2));
      const boom = new RangeError();
      r.setException(boom);
      return [a, (await failure(r.readexactly(2))) === boom];
    });
    expect(got).toEqual(['li', true]);
  });

  it('test_streams.test_exception', () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    expect(r.exception()).toBe(null);
    const exc = new RangeError();
    r.setException(exc);
    expect(r.exception()).toBe(exc);
    loop.close();
  });

  it('test_streams.test_exception_waiter', async () => {
    const got = await onLoop(async (loop) => {
      const r = new StreamReader({ loop });
      const boom = new RangeError();
      const t1 = loop.createTask(() => r.readline());
      const t2 = loop.createTask(async () => r.setException(boom));
      await wait([t1, t2]);
      return t1.exception() === boom;
    });
    expect(got).toBe(true);
  });

  it('test_streams.test_exception_cancel', async () => {
    const loop = vloop(core);
    const r = new StreamReader({ loop });
    const t = loop.createTask(() => r.readline());
    const briefly = async () => {
      loop.stop();
      await loop.runForever();
    };
    await briefly();
    t.cancel();
    await briefly();
    // fails if setException() is not careful with the cancelled waiter
    r.setException(new RuntimeError('message'));
    await briefly();
    expect(t.cancelled()).toBe(true);
    expect((r as unknown as { _waiter: unknown })._waiter).toBe(null);
    loop.close();
  });

  it('test_streams.test_multiple_drain', async () => {
    const got = await onLoop(async (loop) => {
      const stream = new FlowControlProtocol(loop);
      stream.pauseWriting();
      loop.callLater(0.1, () => stream.resumeWriting());
      let drained = 0;
      const drainer = async () => {
        await stream._drainHelper();
        drained++;
      };
      await wait(Array.from({ length: 10 }, () => loop.createTask(drainer)));
      return drained;
    });
    expect(got).toBe(10);
  });

  it('test_streams.test_streamreader_constructor_use_running_loop', async () => {
    const loop = vloop(core);
    const made: { reader?: StreamReader } = {};
    await loop.runUntilComplete(
      loop.createTask(async () => {
        made.reader = new StreamReader();
      }),
    );
    expect(made.reader?._loop).toBe(loop);
    loop.close();
  });

  it('test_streams.test___repr__ (and _nondefault_limit, _eof, _data)', () => {
    const loop = vloop(core);
    expect(String(new StreamReader({ loop }))).toBe('<StreamReader>');
    expect(String(new StreamReader({ loop, limit: 123 }))).toBe('<StreamReader limit=123>');
    const eof = new StreamReader({ loop });
    eof.feedEof();
    expect(String(eof)).toBe('<StreamReader eof>');
    const data = new StreamReader({ loop });
    data.feedData(enc('data'));
    expect(String(data)).toBe('<StreamReader 4 bytes>');
    loop.close();
  });
});
