/// <reference types="node" />
/**
 * loop.subprocessExec / subprocessShell over node:child_process — asyncio's
 * BaseSubprocessTransport. Each PIPE is a StreamTransport (stdin write-only, stdout/stderr
 * read-only) whose internal protocol forwards to the SubprocessProtocol as loop callbacks:
 * pipeDataReceived(fd, data), pipeConnectionLost(fd, exc), processExited(), and
 * connectionLost(null) once the process has exited and every pipe is closed, which is also when
 * `_wait()` completes. `close()` kills a child that is still running (asyncio 3.8+).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import * as os from 'node:os';
import { NotImplementedError, describe } from '../../errors.js';
import { Future } from '../../futures.js';
import type { EventLoop } from '../../loop.js';
import { ProcessLookupError, hostError } from '../../io/errors.js';
import type { StdioSpec, SubprocessOptions, SubprocessTransport, Transport } from '../../io/host.js';
import type { ProtocolLike, SubprocessProtocolLike } from '../../io/protocols.js';
import { DEVNULL, PIPE, STDOUT } from '../../io/subprocess.js';
import { checkProtocolFactory } from '../../io/transports.js';
import { StreamTransport, type NodeStream } from './transport.js';

const signals = os.constants.signals as Record<string, number>;

function stdio(spec: StdioSpec, which: string): 'pipe' | 'ignore' | 'inherit' | number {
  if (spec === null || spec === undefined) return 'inherit';
  if (spec === PIPE) return 'pipe';
  if (spec === DEVNULL) return 'ignore';
  if (spec === STDOUT) {
    if (which !== 'stderr') throw new RangeError(`STDOUT can only be used for stderr, not ${which}`);
    return 'pipe'; // replaced by the caller
  }
  if (typeof spec === 'number' && Number.isInteger(spec) && spec >= 0) return spec;
  throw new TypeError(`${which} must be PIPE, DEVNULL, ${which === 'stderr' ? 'STDOUT, ' : ''}a file descriptor or null (inherit), got ${describe(spec)}`);
}

class PipeProtocol implements ProtocolLike {
  constructor(
    private readonly _proc: NodeSubprocessTransport,
    private readonly _fd: number,
  ) {}
  dataReceived(data: Uint8Array): void {
    this._proc._call('pipeDataReceived', this._fd, data);
  }
  eofReceived(): boolean {
    return false;
  }
  connectionLost(exc: unknown): void {
    this._proc._pipeLost(this._fd, exc);
  }
  pauseWriting(): void {
    this._proc._protocol.pauseWriting?.();
  }
  resumeWriting(): void {
    this._proc._protocol.resumeWriting?.();
  }
}

export class NodeSubprocessTransport implements SubprocessTransport {
  /** @internal */ _protocol: SubprocessProtocolLike;
  private readonly _loop: EventLoop;
  private _proc: ChildProcess | null;
  private readonly _pid: number;
  private _returncode: number | null = null;
  private readonly _pipes = new Map<number, StreamTransport>();
  private readonly _lost = new Set<number>();
  private _closing = false;
  private _finished = false;
  private _exitWaiters: Array<Future<number>> | null = [];
  private readonly _extra: Record<string, unknown>;

  constructor(loop: EventLoop, proc: ChildProcess, protocol: SubprocessProtocolLike) {
    this._loop = loop;
    this._proc = proc;
    this._pid = proc.pid!;
    this._protocol = protocol;
    this._extra = { subprocess: proc };
    const streams: Array<[number, NodeStream | null, boolean]> = [
      [0, proc.stdin as NodeStream | null, false],
      [1, proc.stdout as NodeStream | null, true],
      [2, proc.stderr as NodeStream | null, true],
    ];
    for (const [fd, s, readable] of streams) {
      if (s === null) continue;
      const kind = fd === 0 ? 'WritePipeTransport' : 'ReadPipeTransport';
      this._pipes.set(fd, new StreamTransport(loop, s, new PipeProtocol(this, fd), { pipe: s }, { readable, writable: !readable, kind }));
    }
    proc.on('exit', (code, signal) => {
      const rc = code ?? (signal ? -(signals[signal] ?? 0) : 0);
      if (!loop.isClosed()) loop._soonAlways(() => this._processExited(rc));
    });
    if (typeof protocol.connectionMade === 'function') loop._soonAlways(() => protocol.connectionMade!(this));
  }

  getPid(): number {
    return this._pid;
  }

  getReturncode(): number | null {
    return this._returncode;
  }

  getPipeTransport(fd: number): Transport | null {
    return this._pipes.get(fd) ?? null;
  }

  getExtraInfo(name: string, dflt: unknown = undefined): unknown {
    return name in this._extra ? this._extra[name] : dflt;
  }

  getProtocol(): SubprocessProtocolLike {
    return this._protocol;
  }

  setProtocol(protocol: SubprocessProtocolLike): void {
    this._protocol = protocol;
  }

  isClosing(): boolean {
    return this._closing;
  }

  /** Closes the pipes; kills the child if it is still running. */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    for (const p of this._pipes.values()) p.close();
    if (this._proc !== null && this._returncode === null && this._proc.exitCode === null && this._proc.signalCode === null) this._proc.kill('SIGKILL');
  }

  sendSignal(signal: string | number): void {
    const proc = this._checkProc();
    if (this._returncode !== null) return; // already exited: nothing to signal (Popen.send_signal)
    if (typeof signal === 'number') {
      const name = Object.keys(signals).find((k) => signals[k] === signal);
      if (name === undefined) throw new RangeError(`invalid signal number ${signal}`);
      proc.kill(name as NodeJS.Signals);
    } else if (typeof signal === 'string' && signal in signals) proc.kill(signal as NodeJS.Signals);
    else throw new TypeError(`signal must be a signal name or number, got ${describe(signal)}`);
  }

  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  kill(): void {
    this.sendSignal('SIGKILL');
  }

  toString(): string {
    return `<SubprocessTransport pid=${this._pid}${this._returncode !== null ? ` returncode=${this._returncode}` : ' running'}>`;
  }

  /** @internal a Future for the returncode: at once if known, else when the transport finishes */
  _wait(): Future<number> {
    const f = new Future<number>({ loop: this._loop });
    if (this._returncode !== null) f.setResult(this._returncode);
    else if (this._exitWaiters !== null) this._exitWaiters.push(f);
    return f;
  }

  /** @internal calls the protocol's method as a loop callback (asyncio's _call) */
  _call(method: 'pipeDataReceived' | 'pipeConnectionLost' | 'processExited', ...args: unknown[]): void {
    const fn = this._protocol[method] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof fn === 'function') this._loop._soonAlways(() => fn.apply(this._protocol, args));
  }

  /** @internal */ _pipeLost(fd: number, exc: unknown): void {
    this._lost.add(fd);
    this._call('pipeConnectionLost', fd, exc);
    this._tryFinish();
  }

  private _checkProc(): ChildProcess {
    if (this._proc === null) throw new ProcessLookupError(3, 'No such process');
    return this._proc;
  }

  private _processExited(rc: number): void {
    this._returncode = rc;
    this._call('processExited');
    this._tryFinish();
  }

  private _tryFinish(): void {
    if (this._returncode === null || this._finished) return;
    for (const fd of this._pipes.keys()) if (!this._lost.has(fd)) return;
    this._finished = true;
    this._loop._soonAlways(() => {
      try {
        this._protocol.connectionLost?.(null);
      } finally {
        const ws = this._exitWaiters;
        this._exitWaiters = null;
        if (ws) for (const w of ws) if (!w.done()) w.setResult(this._returncode!);
        this._proc = null;
      }
    });
  }
}

function start<P extends SubprocessProtocolLike>(loop: EventLoop, protocolFactory: () => P, file: string, args: string[], opts: SubprocessOptions, what: string): Future<[SubprocessTransport, P]> {
  checkProtocolFactory(protocolFactory, what);
  const spec = (v: StdioSpec | undefined) => (v === undefined ? PIPE : v);
  const io: StdioOptions = [stdio(spec(opts.stdin), 'stdin'), stdio(spec(opts.stdout), 'stdout'), stdio(spec(opts.stderr), 'stderr')];
  if (spec(opts.stderr) === STDOUT) {
    // stderr joins stdout's pipe inside the child: the shell duplicates the descriptor, then execs
    if ((globalThis as any).process?.platform === 'win32') throw new NotImplementedError('stderr=STDOUT needs a POSIX shell');
    io[2] = 'inherit';
    args = what === 'subprocessShell' ? ['-c', `exec 2>&1\n${args[1]}`] : ['-c', 'exec "$0" "$@" 2>&1', file, ...args];
    file = '/bin/sh';
  }
  const fut = new Future<[SubprocessTransport, P]>({ loop });
  let proc: ChildProcess;
  try {
    proc = spawn(file, args, { stdio: io, cwd: opts.cwd, env: opts.env as NodeJS.ProcessEnv | undefined, windowsHide: true });
  } catch (e) {
    fut.setException(hostError(e));
    return fut;
  }
  const onError = (err: unknown) => {
    if (!fut.done() && !loop.isClosed()) fut.setException(hostError(err, `${(err as any)?.code === 'ENOENT' ? 'No such file or directory' : 'Cannot run'}: '${file}'`));
  };
  proc.once('error', onError);
  proc.once('spawn', () => {
    proc.removeListener('error', onError);
    proc.on('error', () => {}); // later kill() failures are reported by the calls that make them
    if (loop.isClosed()) {
      proc.kill('SIGKILL');
      return;
    }
    let protocol: P;
    try {
      protocol = protocolFactory();
    } catch (e) {
      proc.kill('SIGKILL');
      if (!fut.done()) fut.setException(e);
      return;
    }
    const t = new NodeSubprocessTransport(loop, proc, protocol);
    loop._soonAlways(() => {
      if (fut.done()) t.close();
      else fut.setResult([t, protocol]);
    });
  });
  return fut;
}

function checkArgs(program: unknown, args: unknown): string[] {
  if (typeof program !== 'string' || program === '') throw new TypeError(`subprocessExec() program must be a non-empty string, got ${describe(program)}`);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new TypeError(`subprocessExec() args must be an array of strings, got ${describe(args)}`);
  return args as string[];
}

export function subprocessExec<P extends SubprocessProtocolLike>(loop: EventLoop, protocolFactory: () => P, program: string, args: string[], opts: SubprocessOptions = {}): Future<[SubprocessTransport, P]> {
  return start(loop, protocolFactory, program, checkArgs(program, args), opts, 'subprocessExec');
}

export function subprocessShell<P extends SubprocessProtocolLike>(loop: EventLoop, protocolFactory: () => P, cmd: string, opts: SubprocessOptions = {}): Future<[SubprocessTransport, P]> {
  if (typeof cmd !== 'string' || cmd === '') throw new TypeError(`subprocessShell() cmd must be a non-empty string, got ${describe(cmd)}`);
  const shell = (globalThis as any).process?.platform === 'win32' ? (globalThis as any).process.env.ComSpec || 'cmd.exe' : '/bin/sh';
  const args = shell === '/bin/sh' ? ['-c', cmd] : ['/d', '/s', '/c', cmd];
  return start(loop, protocolFactory, shell, args, opts, 'subprocessShell');
}
