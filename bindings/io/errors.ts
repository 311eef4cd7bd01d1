/**
 * I/O errors: Python's OSError family as asyncio raises it, and the stream errors of
 * asyncio.streams. Each extends Error, has `name` equal to its class name, and an OSError carries
 * `errno` (positive, Python's numbering), `strerror` and the host's `code` (`'ECONNREFUSED'`).
 * `hostError()` turns a host error (Node's `err.code`/`err.errno`) into the matching class.
 */
import { TimeoutError } from '../errors.js';

function named<T extends new (...a: any[]) => Error>(cls: T, name: string): T {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  return cls;
}

/** Python's OSError: `[Errno 111] Connect call failed ('127.0.0.1', 1)`. */
export class OSError extends Error {
  /** Positive errno (Python's numbering), or null when the host gave none. */
  errno: number | null;
  /** The error's text, without the errno (Python: `OSError.strerror`). */
  strerror: string;
  /** The host's error code, e.g. 'ECONNREFUSED' (null when there is none). */
  code: string | null;
  constructor(errno: number | null, strerror: string, opts: { code?: string | null; cause?: unknown } = {}) {
    super(errno === null ? strerror : `[Errno ${errno}] ${strerror}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.errno = errno;
    this.strerror = strerror;
    this.code = opts.code ?? null;
  }
}
named(OSError, 'OSError');

export class ConnectionError extends OSError {}
named(ConnectionError, 'ConnectionError');
export class BrokenPipeError extends ConnectionError {}
named(BrokenPipeError, 'BrokenPipeError');
export class ConnectionAbortedError extends ConnectionError {}
named(ConnectionAbortedError, 'ConnectionAbortedError');
export class ConnectionRefusedError extends ConnectionError {}
named(ConnectionRefusedError, 'ConnectionRefusedError');
export class ConnectionResetError extends ConnectionError {}
named(ConnectionResetError, 'ConnectionResetError');
export class FileNotFoundError extends OSError {}
named(FileNotFoundError, 'FileNotFoundError');
export class ProcessLookupError extends OSError {}
named(ProcessLookupError, 'ProcessLookupError');
/** socket.gaierror: a name could not be resolved (errno is the negative EAI_* code, as in Python). */
export class GaiError extends OSError {}
named(GaiError, 'GaiError');

/** asyncio.IncompleteReadError: EOF came before `expected` bytes; `partial` holds what was read. */
export class IncompleteReadError extends Error {
  /** The bytes read before the end of the stream. */
  partial: Uint8Array;
  /** How many bytes were asked for (null: readuntil's separator was never found). */
  expected: number | null;
  constructor(partial: Uint8Array, expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? 'undefined' : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}
named(IncompleteReadError, 'IncompleteReadError');

/** asyncio.LimitOverrunError: the buffer passed the reader's limit looking for a separator. */
export class LimitOverrunError extends Error {
  /** How many bytes to consume to get past the data that was examined. */
  consumed: number;
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}
named(LimitOverrunError, 'LimitOverrunError');

// Linux errno numbers (Python's errno module on Linux); the host's own number wins when it has one.
const ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EEXIST: 17,
  ENOTDIR: 20, EINVAL: 22, EMFILE: 24, ENOSPC: 28, EPIPE: 32, ENAMETOOLONG: 36, ENOTSOCK: 88, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, ENOTCONN: 107,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113,
};
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EPIPE: 'Broken pipe', EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address', ECONNABORTED: 'Software caused connection abort', ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out', ECONNREFUSED: 'Connection refused', EHOSTUNREACH: 'No route to host', ENETUNREACH: 'Network is unreachable',
  EMFILE: 'Too many open files', ENOTCONN: 'Transport endpoint is not connected', ESRCH: 'No such process',
};
// getaddrinfo's EAI_* codes as glibc numbers them (Node reports a failed lookup as ENOTFOUND).
const EAI: Record<string, [number, string]> = {
  ENOTFOUND: [-2, 'Name or service not known'],
  EAI_NONAME: [-2, 'Name or service not known'],
  EAI_AGAIN: [-3, 'Temporary failure in name resolution'],
  EAI_FAIL: [-4, 'Non-recoverable failure in name resolution'],
  EAI_FAMILY: [-6, 'ai_family not supported'],
  EAI_NODATA: [-5, 'No address associated with hostname'],
  ENODATA: [-5, 'No address associated with hostname'],
};

const CLASSES: Record<string, typeof OSError> = {
  EPIPE: BrokenPipeError,
  ESHUTDOWN: BrokenPipeError,
  ECONNABORTED: ConnectionAbortedError,
  ECONNREFUSED: ConnectionRefusedError,
  ECONNRESET: ConnectionResetError,
  ENOENT: FileNotFoundError,
  ESRCH: ProcessLookupError,
};

const BY_STRERROR = new Map(Object.entries(STRERROR).map(([code, text]) => [text, code]));

/**
 * The host error's code: Node's and Bun's `err.code`, the first code inside an AggregateError
 * (happy eyeballs), or the OS's text in an error that has only a message (Deno's fetch:
 * "tcp connect error: Connection refused (os error 111)"; the text, not the number, which differs
 * between systems).
 */
function codeOf(e: any): string | null {
  if (e === null || typeof e !== 'object') return null;
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) for (const inner of e.errors) if (typeof inner?.code === 'string') return inner.code;
  const os = typeof e.message === 'string' ? /([A-Za-z][A-Za-z ]*) \(os error \d+\)/.exec(e.message) : null;
  return os === null ? null : BY_STRERROR.get(os[1]!) ?? null;
}

/**
 * The wasmloop error for a host error: an OSError subclass picked by its code, with Python's errno
 * and `what` as the message (`Connect call failed ('127.0.0.1', 1)`); other values pass through.
 */
export function hostError(e: unknown, what?: string): unknown {
  if (e instanceof OSError || e instanceof TimeoutError) return e;
  const code = codeOf(e);
  if (code === null) return e;
  const eai = EAI[code];
  if (eai) return new GaiError(eai[0], eai[1], { code, cause: e });
  const raw = (e as any).errno;
  const errno = typeof raw === 'number' && raw !== 0 ? Math.abs(raw) : ERRNO[code] ?? null;
  const strerror = what ?? STRERROR[code] ?? (e as Error).message ?? code;
  if (code === 'ETIMEDOUT') {
    const t = new TimeoutError(errno === null ? strerror : `[Errno ${errno}] ${strerror}`);
    Object.assign(t, { errno, strerror, code });
    return t;
  }
  const cls = CLASSES[code] ?? OSError;
  return new cls(errno, strerror, { code, cause: e });
}

/** Whether an error is a connection failure that asyncio reports to the protocol only (never to the exception handler). */
export function isConnectionError(e: unknown): boolean {
  return e instanceof ConnectionError || (e instanceof OSError && (e.code === 'ERR_STREAM_DESTROYED' || e.code === 'ERR_STREAM_PREMATURE_CLOSE'));
}
