/**
 * asyncio.subprocess, portable: createSubprocessExec / createSubprocessShell give a Process whose
 * stdin is a StreamWriter and stdout/stderr are StreamReaders, over the host's
 * loop.subprocessExec/subprocessShell (wasmloop/node provides them).
 *
 * SubprocessStreamProtocol counts the child's open output pipes; once they are all closed and
 * the process has exited it closes the transport, which ends `wait()` (asyncio 3.12's order:
 * `wait()` returns after the exit is known and every pipe is closed).
 */
import { describe } from '../errors.js';
import { Future } from '../futures.js';
import type { EventLoop } from '../loop.js';
import { getRunningLoop } from '../events.js';
import type { SubprocessOptions, SubprocessTransport } from './host.js';
import { BrokenPipeError, ConnectionResetError } from './errors.js';
import { FlowControlProtocol, StreamReader, StreamWriter, checkLimit, mapFuture, type WritingTransport } from './streams.js';

/** asyncio.subprocess.PIPE: connect a pipe to the child's stream. */
export const PIPE = -1;
/** asyncio.subprocess.STDOUT: send the child's stderr where its stdout goes. */
export const STDOUT = -2;
/** asyncio.subprocess.DEVNULL: the null device. */
export const DEVNULL = -3;

/** asyncio.subprocess.SubprocessStreamProtocol. */
export class SubprocessStreamProtocol extends FlowControlProtocol {
  /** The writer of the child's stdin, when it is a pipe. */
  stdin: StreamWriter | null = null;
  /** The reader of the child's stdout, when it is a pipe. */
  stdout: StreamReader | null = null;
  /** The reader of the child's stderr, when it is a pipe. */
  stderr: StreamReader | null = null;
  /** @internal */ _transport: SubprocessTransport | null = null;
  private readonly _limit: number;
  private _processExited = false;
  private _pipeFds: number[] = [];
  private readonly _stdinClosed: Future<void>;

  constructor(limit: number, loop: EventLoop) {
    super(loop);
    this._limit = limit;
    this._stdinClosed = new Future<void>({ loop });
  }

  /**
   * Makes the readers and the writer of the child's pipes. asyncio:
   * `SubprocessStreamProtocol.connection_made`.
   */
  connectionMade(transport: SubprocessTransport): void {
    this._transport = transport;
    for (const fd of [1, 2]) {
      const pipe = transport.getPipeTransport(fd);
      if (pipe === null) continue;
      const reader = new StreamReader({ limit: this._limit, loop: this._loop });
      reader.setTransport(pipe);
      if (fd === 1) this.stdout = reader;
      else this.stderr = reader;
      this._pipeFds.push(fd);
    }
    const stdin = transport.getPipeTransport(0);
    if (stdin !== null) this.stdin = new StreamWriter(stdin as WritingTransport, this, null, this._loop);
  }

  /** Feeds the bytes of pipe `fd` to its reader. asyncio: `SubprocessStreamProtocol.pipe_data_received`. */
  pipeDataReceived(fd: number, data: Uint8Array): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    reader?.feedData(data);
  }

  /**
   * Ends the reader of pipe `fd` (or closes the stdin writer). asyncio:
   * `SubprocessStreamProtocol.pipe_connection_lost`.
   */
  pipeConnectionLost(fd: number, exc: unknown): void {
    if (fd === 0) {
      this.stdin?.close();
      this.connectionLost(exc);
      if (!this._stdinClosed.done()) {
        if (exc === null || exc === undefined) this._stdinClosed.setResult();
        else {
          this._stdinClosed.setException(exc);
          this._stdinClosed._markRetrieved(); // as asyncio: wait_closed() is optional, so no report
        }
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null || exc === undefined) reader.feedEof();
      else reader.setException(exc);
    }
    this._pipeFds = this._pipeFds.filter((f) => f !== fd);
    this._maybeCloseTransport();
  }

  /**
   * The child exited: the transport closes once every pipe is closed. asyncio:
   * `SubprocessStreamProtocol.process_exited`.
   */
  processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  /** @internal */ _getCloseWaiter(writer: StreamWriter): Future<void> {
    if (writer === this.stdin) return this._stdinClosed;
    throw new TypeError('not this process’s stdin writer');
  }

  private _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited && this._transport !== null) {
      this._transport.close();
      this._transport = null;
    }
  }
}

/** asyncio.subprocess.Process. */
export class Process {
  /** The child's stdin as a StreamWriter, when it is a pipe (else null). asyncio: `Process.stdin`. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout as a StreamReader, when it is a pipe (else null). asyncio: `Process.stdout`. */
  readonly stdout: StreamReader | null;
  /** The child's stderr as a StreamReader, when it is a pipe (else null). asyncio: `Process.stderr`. */
  readonly stderr: StreamReader | null;
  /** The child's process id. asyncio: `Process.pid`. */
  readonly pid: number;
  private readonly _transport: SubprocessTransport & { _wait(): Future<number> };
  private readonly _loop: EventLoop;

  constructor(transport: SubprocessTransport, protocol: SubprocessStreamProtocol, loop: EventLoop) {
    this._transport = transport as SubprocessTransport & { _wait(): Future<number> };
    this._loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.getPid();
  }

  /**
   * The exit status once the child has exited (−N when a signal N ended it), else null. asyncio:
   * `Process.returncode`.
   */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /** Waits for the child to exit; gives its returncode. asyncio: `Process.wait`. */
  wait(): Future<number> {
    return this._transport._wait();
  }

  /**
   * Sends `signal` ('SIGTERM' or its number) to the child: a no-op once it exited,
   * ProcessLookupError once its transport let it go, RangeError for an unknown signal. asyncio:
   * `Process.send_signal`.
   */
  sendSignal(signal: string | number): void {
    this._transport.sendSignal(signal);
  }

  /** Asks the child to stop (SIGTERM). asyncio: `Process.terminate`. */
  terminate(): void {
    this._transport.terminate();
  }

  /** Kills the child (SIGKILL). asyncio: `Process.kill`. */
  kill(): void {
    this._transport.kill();
  }

  /**
   * Sends `input` (if given) to stdin and closes it, reads stdout and stderr to EOF, waits for the
   * exit; gives [stdout, stderr] (null for a stream that is not a PIPE). Reading starts before
   * writing, so a child that writes much while it reads cannot deadlock it.
   * asyncio: `Process.communicate`.
   */
  communicate(input: Uint8Array | ArrayBuffer | ArrayBufferView | null = null): Future<[Uint8Array | null, Uint8Array | null]> {
    const proc = this;
    const readAll = (reader: StreamReader | null, fd: number): Future<Uint8Array | null> | null =>
      reader === null ? null : mapFuture<Uint8Array, Uint8Array | null>(this._loop, reader.read(-1), (data) => {
        proc._transport.getPipeTransport(fd)?.close();
        return data;
      });
    const out = readAll(this.stdout, 1);
    const err = readAll(this.stderr, 2);
    return this._loop.createTask(
      (function* communicate(): Generator<unknown, [Uint8Array | null, Uint8Array | null], unknown> {
        const stdin = proc.stdin;
        if (stdin !== null) {
          try {
            if (input !== null) stdin.write(input);
            yield* stdin.drain();
          } catch (e) {
            // communicate() ignores a child that stopped reading, as asyncio does
            if (!(e instanceof BrokenPipeError || e instanceof ConnectionResetError)) throw e;
          }
          stdin.close();
        }
        const stdout = out === null ? null : yield* out;
        const stderr = err === null ? null : yield* err;
        yield* proc.wait();
        return [stdout, stderr];
      })(),
    );
  }

  /** `<Process pid>`, as asyncio's repr. */
  toString(): string {
    return `<Process ${this.pid}>`;
  }
}

export interface CreateSubprocessOptions extends SubprocessOptions {
  /** The StreamReaders' limit (default 64 KiB). */
  limit?: number;
}

function splitArgs(rest: Array<string | CreateSubprocessOptions>): [string[], CreateSubprocessOptions] {
  let opts: CreateSubprocessOptions = {};
  const last = rest[rest.length - 1];
  if (last !== undefined && typeof last === 'object' && last !== null) {
    opts = last;
    rest = rest.slice(0, -1);
  }
  for (const a of rest) if (typeof a !== 'string') throw new TypeError(`createSubprocessExec() arguments must be strings (options go last, as an object), got ${describe(a)}`);
  return [rest as string[], opts];
}

function inheritByDefault(opts: CreateSubprocessOptions): SubprocessOptions {
  const { limit: _limit, ...rest } = opts;
  return { ...rest, stdin: opts.stdin ?? null, stdout: opts.stdout ?? null, stderr: opts.stderr ?? null };
}

/** asyncio.create_subprocess_exec: `createSubprocessExec('ls', '-l', { stdout: PIPE })` → Process. */
export function createSubprocessExec(program: string, ...args: Array<string | CreateSubprocessOptions>): Future<Process> {
  const loop = getRunningLoop();
  const [argv, opts] = splitArgs(args);
  const limit = checkLimit(opts.limit);
  const protocol = new SubprocessStreamProtocol(limit, loop);
  return mapFuture(loop, loop.subprocessExec(() => protocol, program, argv, inheritByDefault(opts)), ([t]) => new Process(t, protocol, loop));
}

/** asyncio.create_subprocess_shell: runs `cmd` with the system shell → Process. */
export function createSubprocessShell(cmd: string, opts: CreateSubprocessOptions = {}): Future<Process> {
  const loop = getRunningLoop();
  const limit = checkLimit(opts.limit);
  const protocol = new SubprocessStreamProtocol(limit, loop);
  return mapFuture(loop, loop.subprocessShell(() => protocol, cmd, inheritByDefault(opts)), ([t]) => new Process(t, protocol, loop));
}
