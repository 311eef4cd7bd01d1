/**
 * Socket constants with the numbers Python's socket module uses on this platform (AF_INET6 is
 * 10 on Linux, 30 on macOS, 23 on Windows), and Python's formatting of an address in messages.
 */
const platform = (globalThis as { process?: { platform?: string } }).process?.platform;

/** Any address family (Python's `socket.AF_UNSPEC`). */
export const AF_UNSPEC = 0;
/** Unix domain sockets (Python's `socket.AF_UNIX`). */
export const AF_UNIX = 1;
/** IPv4 (Python's `socket.AF_INET`). */
export const AF_INET = 2;
/** IPv6, with this platform's number (Python's `socket.AF_INET6`). */
export const AF_INET6 = platform === 'darwin' ? 30 : platform === 'win32' ? 23 : 10;
/** A stream socket, TCP (Python's `socket.SOCK_STREAM`). */
export const SOCK_STREAM = 1;
/** A datagram socket, UDP (Python's `socket.SOCK_DGRAM`). */
export const SOCK_DGRAM = 2;
/** A raw socket (Python's `socket.SOCK_RAW`). */
export const SOCK_RAW = 3;
/** TCP (Python's `socket.IPPROTO_TCP`). */
export const IPPROTO_TCP = 6;
/** UDP (Python's `socket.IPPROTO_UDP`). */
export const IPPROTO_UDP = 17;
/** getaddrinfo flag: addresses to bind a server to (Python's `socket.AI_PASSIVE`). */
export const AI_PASSIVE = 1;
/** getaddrinfo flag: fill in the canonical name (Python's `socket.AI_CANONNAME`). */
export const AI_CANONNAME = 2;
/** getaddrinfo flag: the host is a numeric address, do not resolve it (Python's `socket.AI_NUMERICHOST`). */
export const AI_NUMERICHOST = 4;
/** getnameinfo flag: give the host as a numeric address (Python's `socket.NI_NUMERICHOST`). */
export const NI_NUMERICHOST = 1;
/** getnameinfo flag: give the port as a number (Python's `socket.NI_NUMERICSERV`). */
export const NI_NUMERICSERV = 2;

/** `('127.0.0.1', 8888)`, as Python prints an address tuple. */
export function pyAddr(addr: readonly unknown[]): string {
  return `(${addr.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')})`;
}
