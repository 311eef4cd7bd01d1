/**
 * Socket constants with the numbers Python's socket module uses on this platform (AF_INET6 is
 * 10 on Linux, 30 on macOS, 23 on Windows), and Python's formatting of an address in messages.
 */
const platform = (globalThis as { process?: { platform?: string } }).process?.platform;

export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = platform === 'darwin' ? 30 : platform === 'win32' ? 23 : 10;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const AI_PASSIVE = 1;
export const AI_CANONNAME = 2;
export const AI_NUMERICHOST = 4;
export const NI_NUMERICHOST = 1;
export const NI_NUMERICSERV = 2;

/** `('127.0.0.1', 8888)`, as Python prints an address tuple. */
export function pyAddr(addr: readonly unknown[]): string {
  return `(${addr.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')})`;
}
