/** wasmloop/web in Node, against loopback servers: the same checks Deno, Bun and browsers run. */
// proves: §7.1
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wl from '../bindings/index.js';
import * as web from '../bindings/web.js';
import { WebSocket as WsWebSocket } from 'ws';
import { CORES } from './helpers.js';
import { startTestServers, type TestServers } from './hostio/servers.js';
import { webChecks } from './hostio/web-checks.js';
import { trackUnhandled, onLoop } from './io-helpers.js';

const unhandled = trackUnhandled();
let servers: TestServers;
beforeAll(async () => {
  servers = await startTestServers();
});
afterAll(async () => {
  await servers.close();
  expect(unhandled).toEqual([]);
});

// Node 20 has no global WebSocket without --experimental-websocket; the ws package's class stands in
const WebSocket = (globalThis as { WebSocket?: web.WebSocketConstructor }).WebSocket ?? (WsWebSocket as unknown as web.WebSocketConstructor);

describe.each(CORES)('wasmloop/web (%s core)', (core) => {
  for (const [name, check] of Object.entries(webChecks)) it(name, () => check({ wl, web, core, WebSocket, ...servers }));

  it('checks its arguments at the call site', async () => {
    await onLoop(core, async () => {
      expect(() => web.fetch('http://127.0.0.1:1/', { read: 'xml' as never })).toThrow(TypeError);
      expect(() => web.createWebSocketConnection(null as never, servers.wsUrl, { WebSocket })).toThrow(TypeError);
      expect(() => web.createWebSocketConnection(() => ({}), 42 as never, { WebSocket })).toThrow(TypeError);
    });
  });

  it('fetch to a closed port fails with ConnectionRefusedError where the host reports the cause', async () => {
    const e = await onLoop(core, async () => web.fetch(`http://127.0.0.1:${servers.closedPort}/`).then(() => null, (x) => x));
    expect(e).toBeInstanceOf(web.ConnectionRefusedError);
  });
});
