/** Subprocesses, signals and name resolution through wasmloop/node, on both cores. */
// proves: §7.1
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../bindings/index.js';
import {
  AF_INET,
  ConnectionRefusedError,
  DEVNULL,
  FileNotFoundError,
  GaiError,
  IPPROTO_TCP,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  PIPE,
  SOCK_STREAM,
  STDOUT,
  SubprocessProtocol,
  createSubprocessExec,
  createSubprocessShell,
  hostError,
} from '../bindings/node.js';
import { CORES } from './helpers.js';
import { dec, enc, onLoop, trackUnhandled } from './io-helpers.js';

const unhandled = trackUnhandled();
afterAll(() => expect(unhandled).toEqual([]));

describe.each(CORES)('subprocesses (%s core)', (core) => {
  it('communicate sends input, reads stdout and stderr to the end, and gives the returncode', async () => {
    const got = await onLoop(core, async () => {
      const proc = await createSubprocessExec('sh', '-c', 'cat; echo err >&2; exit 3', { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [out, err] = await proc.communicate(enc('hello from stdin'));
      return [dec(out!), dec(err!), proc.returncode, typeof proc.pid];
    });
    expect(got).toEqual(['hello from stdin', 'err\n', 3, 'number']);
  });

  it('communicate moves more data than a pipe holds both ways without deadlock', async () => {
    const big = new Uint8Array(1 << 20).fill(97);
    const got = await onLoop(core, async () => {
      const proc = await createSubprocessExec('cat', { stdin: PIPE, stdout: PIPE });
      const [out, err] = await proc.communicate(big);
      return [out!.length, out!.every((b) => b === 97), err, proc.returncode];
    });
    expect(got).toEqual([1 << 20, true, null, 0]);
  });

  it('stdout is a StreamReader: lines arrive as the child writes them', async () => {
    const got = await onLoop(core, async () => {
      const proc = await createSubprocessShell('printf "one\\ntwo\\n"', { stdout: PIPE });
      const lines: string[] = [];
      for await (const line of proc.stdout!) lines.push(dec(line));
      return [lines, await proc.wait(), proc.stdin, proc.stderr];
    });
    expect(got).toEqual([['one\n', 'two\n'], 0, null, null]);
  });

  it('stderr=STDOUT sends both streams through the stdout pipe', async () => {
    const got = await onLoop(core, async () => {
      const proc = await createSubprocessExec('sh', '-c', 'echo out; echo err >&2', { stdout: PIPE, stderr: STDOUT });
      const [out, err] = await proc.communicate();
      return [dec(out!).split('\n').filter(Boolean).sort(), err];
    });
    expect(got).toEqual([['err', 'out'], null]);
  });

  it('kill and terminate end the child; the returncode is minus the signal number', async () => {
    const got = await onLoop(core, async () => {
      const a = await createSubprocessExec('sleep', '30', { stdout: DEVNULL });
      a.kill();
      const b = await createSubprocessExec('sleep', '30');
      b.terminate();
      const c = await createSubprocessExec('sleep', '30');
      c.sendSignal('SIGINT');
      return [await a.wait(), await b.wait(), await c.wait()];
    });
    expect(got).toEqual([-9, -15, -2]);
  });

  it('a missing program fails with FileNotFoundError', async () => {
    const err = await onLoop(core, async () => createSubprocessExec('/nonexistent/wasmloop-nope').then(() => null, (e) => e));
    expect(err).toBeInstanceOf(FileNotFoundError);
    expect(err.errno).toBe(2);
    expect(err.message).toContain('/nonexistent/wasmloop-nope');
  });

  it('loop.subprocessExec gives a transport and a protocol: pipe data before its pipe is lost, connectionLost last', async () => {
    const got = await onLoop(core, async (loop) => {
      const events: string[] = [];
      const done = loop.createFuture();
      const [t] = await loop.subprocessExec(
        () =>
          new (class extends SubprocessProtocol {
            override pipeDataReceived(fd: number, data: Uint8Array) {
              events.push(`data ${fd} ${dec(data).trim()}`);
            }
            override pipeConnectionLost(fd: number) {
              events.push(`pipe lost ${fd}`);
            }
            override processExited() {
              events.push('exited');
            }
            override connectionLost() {
              events.push('lost');
              done.setResult(undefined);
            }
          })(),
        'sh',
        ['-c', 'echo hi'],
        { stdin: DEVNULL, stderr: DEVNULL },
      );
      await done;
      return [events, t.getReturncode(), t.getPipeTransport(0), t.getPipeTransport(1) !== null];
    });
    const [events, rc, stdin, hasStdout] = got as [string[], number, unknown, boolean];
    // the exit and the pipe's data race in the host (as in asyncio); data always precedes its pipe's loss
    expect([...events].sort()).toEqual(['data 1 hi', 'exited', 'lost', 'pipe lost 1']);
    expect(events.indexOf('data 1 hi')).toBeLessThan(events.indexOf('pipe lost 1'));
    expect(events.at(-1)).toBe('lost');
    expect([rc, stdin, hasStdout]).toEqual([0, null, true]);
  });

  it('bad arguments are refused at the call site', async () => {
    await onLoop(core, async (loop) => {
      expect(() => createSubprocessExec('echo', 5 as never)).toThrow(TypeError);
      expect(() => loop.subprocessExec(() => new SubprocessProtocol(), 'echo', ['x'], { stdin: STDOUT })).toThrow(RangeError);
      expect(() => loop.subprocessShell(() => new SubprocessProtocol(), '')).toThrow(TypeError);
    });
  });
});

describe.each(CORES)('signals (%s core)', (core) => {
  it('a signal handler runs as a loop callback with its arguments; removeSignalHandler stops it', async () => {
    const got = await onLoop(core, async (loop) => {
      const seen: unknown[] = [];
      const fut = loop.createFuture();
      loop.addSignalHandler('SIGUSR2', (tag: string) => {
        seen.push([tag, loop.isRunning()]);
        fut.setResult(undefined);
      }, 'tag');
      process.kill(process.pid, 'SIGUSR2');
      await fut;
      const removed = [loop.removeSignalHandler('SIGUSR2'), loop.removeSignalHandler('SIGUSR2')];
      return [seen, removed, process.listenerCount('SIGUSR2')];
    });
    expect(got).toEqual([[['tag', true]], [true, false], 0]);
  });

  it('closing the loop removes its signal handlers', async () => {
    const before = process.listenerCount('SIGHUP');
    await onLoop(core, async (loop) => {
      loop.addSignalHandler(1, () => {});
      expect(process.listenerCount('SIGHUP')).toBe(before + 1);
    });
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('refuses what cannot be a signal handler', async () => {
    await onLoop(core, async (loop) => {
      expect(() => loop.addSignalHandler('SIGNOPE', () => {})).toThrow(RangeError);
      expect(() => loop.addSignalHandler(9999, () => {})).toThrow(RangeError);
      expect(() => loop.addSignalHandler('SIGKILL', () => {})).toThrow(RuntimeError);
      expect(() => loop.addSignalHandler('SIGUSR2', async () => {})).toThrow('coroutines cannot be used with addSignalHandler()');
      expect(() => loop.addSignalHandler('SIGUSR2', 'x' as never)).toThrow(TypeError);
    });
  });
});

describe.each(CORES)('name resolution (%s core)', (core) => {
  it('getaddrinfo gives Python-shaped entries for a numeric address', async () => {
    const got = await onLoop(core, async (loop) => loop.getaddrinfo('127.0.0.1', '8080', { type: SOCK_STREAM }));
    expect(got).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 8080]]]);
  });

  it('getaddrinfo resolves localhost through the host and lists every socket type when type is 0', async () => {
    const got = await onLoop(core, async (loop) => loop.getaddrinfo('localhost', 80, { family: AF_INET }));
    expect(got.map((e) => e[1])).toEqual([1, 2, 3]);
    expect(got.every((e) => e[0] === AF_INET && e[4][0] === '127.0.0.1' && e[4][1] === 80)).toBe(true);
  });

  it('getnameinfo with numeric flags gives the address and port back', async () => {
    const got = await onLoop(core, async (loop) => loop.getnameinfo(['127.0.0.1', 443], NI_NUMERICHOST | NI_NUMERICSERV));
    expect(got).toEqual(['127.0.0.1', '443']);
  });

  it('getaddrinfo refuses a service name and a bad port at the call site', async () => {
    await onLoop(core, async (loop) => {
      expect(() => loop.getaddrinfo('localhost', 'http')).toThrow(/service names are not resolved/);
      expect(() => loop.getaddrinfo('localhost', 70000)).toThrow(RangeError);
    });
  });
});

describe('host errors', () => {
  it('a failed lookup becomes GaiError with glibc’s EAI number', () => {
    const e = hostError(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND', errno: -3008 })) as GaiError;
    expect(e).toBeInstanceOf(GaiError);
    expect(e.errno).toBe(-2);
    expect(e.message).toBe('[Errno -2] Name or service not known');
  });

  it('an error that names only an OS error number in its message (Deno’s fetch) gets the class and errno it names', () => {
    const cause = new Error('error sending request for url (http://127.0.0.1:9/): client error (Connect): tcp connect error: Connection refused (os error 111)');
    const e = hostError(cause) as ConnectionRefusedError;
    expect([e, e.errno, e.code, e.message]).toEqual([expect.any(ConnectionRefusedError), 111, 'ECONNREFUSED', '[Errno 111] Connection refused']);
    expect(e.cause).toBe(cause);
    const plain = new Error('no number here');
    expect(hostError(plain)).toBe(plain);
  });
});
