/**
 * The Node host I/O provider (also Deno and Bun, through their node: modules): what the
 * portable loop's I/O methods delegate to once 'wasmloop/node' is imported.
 */
import type { HostIO } from '../../io/host.js';
import { getaddrinfo, getnameinfo } from './dns.js';
import { createConnection, createServer, createUnixConnection, createUnixServer } from './net.js';
import { addSignalHandler, removeSignalHandler } from './signals.js';
import { subprocessExec, subprocessShell } from './subprocess.js';

export const nodeIO: HostIO = {
  name: 'node',
  createConnection,
  createServer,
  createUnixConnection,
  createUnixServer,
  subprocessExec,
  subprocessShell,
  addSignalHandler,
  removeSignalHandler,
  getaddrinfo,
  getnameinfo,
};
