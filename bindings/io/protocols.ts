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
  connectionMade(_transport: any): void {}
  connectionLost(_exc: unknown): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
}

/** asyncio.Protocol: a byte stream. */
export class Protocol extends BaseProtocol {
  dataReceived(_data: Uint8Array): void {}
  /** Return true to keep the transport open for writing after the peer's EOF. */
  eofReceived(): boolean | void {}
}

/** asyncio.SubprocessProtocol: a child process's pipes and exit. */
export class SubprocessProtocol extends BaseProtocol {
  pipeDataReceived(_fd: number, _data: Uint8Array): void {}
  pipeConnectionLost(_fd: number, _exc: unknown): void {}
  processExited(): void {}
}

/** What a transport calls: every method optional. */
export interface ProtocolLike {
  connectionMade?(transport: any): unknown;
  connectionLost?(exc: unknown): unknown;
  pauseWriting?(): unknown;
  resumeWriting?(): unknown;
  dataReceived?(data: Uint8Array): unknown;
  eofReceived?(): unknown;
  /** Message transports (WebSocket) call this, when present, with each whole message. */
  messageReceived?(data: Uint8Array | string): unknown;
}

export interface SubprocessProtocolLike extends ProtocolLike {
  pipeDataReceived?(fd: number, data: Uint8Array): unknown;
  pipeConnectionLost?(fd: number, exc: unknown): unknown;
  processExited?(): unknown;
}

export type ProtocolFactory<P> = () => P;
