/**
 * Protocols — asyncio's protocol classes. A protocol receives a transport's events as loop
 * callbacks: `connectionMade(transport)` first, then `dataReceived(data)` for each chunk,
 * `eofReceived()` once when the peer stops writing (return true to keep the transport half-open),
 * and `connectionLost(exc)` exactly once at the end (`null` for a clean close). `pauseWriting()` and
 * `resumeWriting()` follow the transport's write buffer limits. Every method is optional: a plain
 * object with some of them is a protocol too; these classes give no-op defaults to extend.
 */

/** asyncio.BaseProtocol. */
export class BaseProtocol {
  /** Called once, first, with the transport. asyncio: `BaseProtocol.connection_made`. */
  connectionMade(_transport: any): void {}
  /**
   * Called once, last: `exc` is null for a clean close, else the error that ended the connection.
   * asyncio: `BaseProtocol.connection_lost`.
   */
  connectionLost(_exc: unknown): void {}
  /**
   * The transport's write buffer went over its high-water mark: stop writing until resumeWriting().
   * asyncio: `BaseProtocol.pause_writing`.
   */
  pauseWriting(): void {}
  /**
   * The write buffer drained below its low-water mark: writing may go on. asyncio:
   * `BaseProtocol.resume_writing`.
   */
  resumeWriting(): void {}
}

/** asyncio.Protocol: a byte stream. */
export class Protocol extends BaseProtocol {
  /** Called with each chunk of received bytes. asyncio: `Protocol.data_received`. */
  dataReceived(_data: Uint8Array): void {}
  /** Return true to keep the transport open for writing after the peer's EOF. */
  eofReceived(): boolean | void {}
}

/** asyncio.SubprocessProtocol: a child process's pipes and exit. */
export class SubprocessProtocol extends BaseProtocol {
  /**
   * Called with bytes the child wrote to its pipe `fd` (1: stdout, 2: stderr). asyncio:
   * `SubprocessProtocol.pipe_data_received`.
   */
  pipeDataReceived(_fd: number, _data: Uint8Array): void {}
  /**
   * Called when the child's pipe `fd` closes (`exc` null for a clean close). asyncio:
   * `SubprocessProtocol.pipe_connection_lost`.
   */
  pipeConnectionLost(_fd: number, _exc: unknown): void {}
  /** Called when the child exits. asyncio: `SubprocessProtocol.process_exited`. */
  processExited(): void {}
}

/** What a transport calls: every method optional. */
export interface ProtocolLike {
  /** Called once, first, with the transport. asyncio: `BaseProtocol.connection_made`. */
  connectionMade?(transport: any): unknown;
  /** Called once, last: null for a clean close, else the error. asyncio: `BaseProtocol.connection_lost`. */
  connectionLost?(exc: unknown): unknown;
  /** The write buffer went over its high-water mark. asyncio: `BaseProtocol.pause_writing`. */
  pauseWriting?(): unknown;
  /** The write buffer drained below its low-water mark. asyncio: `BaseProtocol.resume_writing`. */
  resumeWriting?(): unknown;
  /** Each chunk of received bytes. asyncio: `Protocol.data_received`. */
  dataReceived?(data: Uint8Array): unknown;
  /**
   * The peer stopped writing; return true to keep the transport open for writing. asyncio:
   * `Protocol.eof_received`.
   */
  eofReceived?(): unknown;
  /** Message transports (WebSocket) call this, when present, with each whole message. */
  messageReceived?(data: Uint8Array | string): unknown;
}

/** What a subprocess transport calls: every method optional (asyncio.SubprocessProtocol's methods). */
export interface SubprocessProtocolLike extends ProtocolLike {
  /** Bytes the child wrote to pipe `fd`. asyncio: `SubprocessProtocol.pipe_data_received`. */
  pipeDataReceived?(fd: number, data: Uint8Array): unknown;
  /** The child's pipe `fd` closed. asyncio: `SubprocessProtocol.pipe_connection_lost`. */
  pipeConnectionLost?(fd: number, exc: unknown): unknown;
  /** The child exited. asyncio: `SubprocessProtocol.process_exited`. */
  processExited?(): unknown;
}

/** A function that makes a new protocol for each connection (asyncio's `protocol_factory`). */
export type ProtocolFactory<P> = () => P;
