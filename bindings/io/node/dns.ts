/// <reference types="node" />
/**
 * loop.getaddrinfo / loop.getnameinfo over node:dns, in Python's shapes: getaddrinfo gives
 * `[family, type, proto, canonname, sockaddr]` entries (one per address and socket type, as glibc
 * does when `type` is 0); errors are GaiError with glibc's negative EAI_* numbers.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import { describe } from '../../errors.js';
import { Future } from '../../futures.js';
import type { EventLoop } from '../../loop.js';
import { hostError } from '../../io/errors.js';
import { checkHostName } from '../../io/host.js';
import type { AddrInfo, GetAddrInfoOptions } from '../../io/host.js';
import { AF_INET, AF_INET6, AF_UNSPEC, AI_CANONNAME, AI_PASSIVE, IPPROTO_TCP, IPPROTO_UDP, NI_NUMERICHOST, NI_NUMERICSERV, SOCK_DGRAM, SOCK_RAW, SOCK_STREAM } from './constants.js';

function checkGaiPort(port: unknown): number {
  if (port === null || port === undefined) return 0;
  if (typeof port === 'string' && /^\d+$/.test(port)) port = Number(port);
  if (typeof port !== 'number' || !Number.isInteger(port))
    throw new TypeError(`getaddrinfo() port must be an integer, a numeric string or null (service names are not resolved), got ${describe(port)}`);
  if (port < 0 || port > 65535) throw new RangeError(`getaddrinfo() port must be 0-65535, got ${port}`);
  return port;
}

const TYPES: Array<[number, number]> = [
  [SOCK_STREAM, IPPROTO_TCP],
  [SOCK_DGRAM, IPPROTO_UDP],
  [SOCK_RAW, 0],
];

export function getaddrinfo(loop: EventLoop, host: string | null, port: number | string | null, opts: GetAddrInfoOptions = {}): Future<AddrInfo[]> {
  if (host !== null && host !== undefined && typeof host !== 'string') throw new TypeError(`getaddrinfo() host must be a string or null, got ${describe(host)}`);
  if (host) checkHostName(host, 'getaddrinfo');
  const p = checkGaiPort(port);
  const family = opts.family ?? AF_UNSPEC;
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) throw new RangeError(`getaddrinfo() family must be AF_UNSPEC, AF_INET or AF_INET6, got ${family}`);
  const type = opts.type ?? 0;
  const flags = opts.flags ?? 0;
  const fut = new Future<AddrInfo[]>({ loop });
  const build = (addrs: Array<{ address: string; family: number }>) => {
    const out: AddrInfo[] = [];
    const types = type === 0 ? TYPES : [[type, opts.proto || (type === SOCK_STREAM ? IPPROTO_TCP : type === SOCK_DGRAM ? IPPROTO_UDP : 0)] as [number, number]];
    for (const a of addrs)
      for (const [t, proto] of types) {
        const fam = a.family === 6 ? AF_INET6 : AF_INET;
        out.push([fam, t, proto, flags & AI_CANONNAME && host ? host : '', fam === AF_INET6 ? [a.address, p, 0, 0] : [a.address, p]]);
      }
    return out;
  };
  const want = (f: number) => family === AF_UNSPEC || (family === AF_INET6 ? f === 6 : f === 4);
  if (host === null || host === undefined || host === '') {
    const addrs = flags & AI_PASSIVE ? [{ address: '::', family: 6 }, { address: '0.0.0.0', family: 4 }] : [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }];
    fut.setResult(build(addrs.filter((a) => want(a.family))));
    return fut;
  }
  dns.lookup(host, { all: true, family: family === AF_INET6 ? 6 : family === AF_INET ? 4 : 0 }, (err, addrs) => {
    if (fut.done() || loop.isClosed()) return;
    if (err) fut.setException(hostError(err));
    else fut.setResult(build(addrs));
  });
  return fut;
}

export function getnameinfo(loop: EventLoop, sockaddr: [string, number] | [string, number, number, number], flags = 0): Future<[string, string]> {
  if (!Array.isArray(sockaddr) || typeof sockaddr[0] !== 'string' || typeof sockaddr[1] !== 'number')
    throw new TypeError(`getnameinfo() sockaddr must be [host, port], got ${describe(sockaddr)}`);
  const [host, port] = sockaddr;
  if (!net.isIP(host)) throw new TypeError(`getnameinfo() needs a numeric address, got ${JSON.stringify(host)}`);
  const fut = new Future<[string, string]>({ loop });
  if (flags & NI_NUMERICHOST && flags & NI_NUMERICSERV) {
    fut.setResult([host, String(port)]);
    return fut;
  }
  dns.lookupService(host, port, (err, hostname, service) => {
    if (fut.done() || loop.isClosed()) return;
    if (err) fut.setException(hostError(err));
    else fut.setResult([flags & NI_NUMERICHOST ? host : hostname, flags & NI_NUMERICSERV ? String(port) : service]);
  });
  return fut;
}
