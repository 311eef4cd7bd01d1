/**
 * wasmloop/node — host I/O for Node, and for Deno and Bun through their node: compatibility.
 * Importing it gives every loop asyncio's I/O methods (loop.createConnection, createServer,
 * createUnixConnection/Server, subprocessExec/Shell, addSignalHandler, getaddrinfo, …) and
 * exports asyncio's stream and subprocess functions, which use the running loop.
 * @module wasmloop/node
 */
import { setHostIO } from './io/host.js';
import { nodeIO } from './io/node/index.js';
import { getRunningLoop } from './events.js';
import type { Future } from './futures.js';
import type { ConnectionOptions, Server, ServerOptions, Transport } from './io/host.js';
import type { ProtocolLike } from './io/protocols.js';

setHostIO(nodeIO);

/**
 * loop.createConnection on the running loop. RuntimeError where no loop runs. asyncio:
 * `loop.create_connection`.
 */
export function createConnection<P extends ProtocolLike>(protocolFactory: () => P, host: string, port: number, opts?: ConnectionOptions): Future<[Transport, P]> {
  return getRunningLoop().createConnection(protocolFactory, host, port, opts);
}

/** loop.createServer on the running loop. RuntimeError where no loop runs. asyncio: `loop.create_server`. */
export function createServer(protocolFactory: () => ProtocolLike, host: string | string[] | null | undefined, port: number, opts?: ServerOptions): Future<Server> {
  return getRunningLoop().createServer(protocolFactory, host, port, opts);
}

export { openConnection, startServer, openUnixConnection, startUnixServer, StreamReader, StreamWriter, StreamReaderProtocol, FlowControlProtocol, DEFAULT_LIMIT } from './io/streams.js';
export type { StreamOptions, StreamReaderOptions, ClientConnectedCallback, WritingTransport, WriterProtocol, Separator } from './io/streams.js';
export { createSubprocessExec, createSubprocessShell, Process, SubprocessStreamProtocol, PIPE, STDOUT, DEVNULL } from './io/subprocess.js';
export type { CreateSubprocessOptions } from './io/subprocess.js';
export { BaseProtocol, Protocol, SubprocessProtocol } from './io/protocols.js';
export type { ProtocolLike, SubprocessProtocolLike, ProtocolFactory } from './io/protocols.js';
export type { Transport, Server, ServerSocket, SubprocessTransport, ConnectionOptions, ServerOptions, UnixServerOptions, SubprocessOptions, StdioSpec, AddrInfo, GetAddrInfoOptions } from './io/host.js';
export * from './io/errors.js';
export { StreamTransport } from './io/node/transport.js';
export { NodeServer } from './io/node/net.js';
export {
  AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, IPPROTO_TCP, IPPROTO_UDP,
  AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, NI_NUMERICHOST, NI_NUMERICSERV,
} from './io/node/constants.js';
