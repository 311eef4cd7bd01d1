// W7 — TCP echo on 127.0.0.1: 1 KiB request/response, 1 and 10 connections, 5 s each, one client
// program for every server. value: messages per second; extras: the server's CPU µs per message
// (the steadier figure: the client competes for the same cores). Not built yet: the TCP side of
// `wasmloop/node` (startServer/openConnection) is being written. Whoever adds it fills in
// `competitors` (wasm, js, Node's own net server, asyncio, uvloop with bench/python/w7.py) and
// removes `notBuilt`; the harness, table and chart need no change (see bench/README.md).
export default [
  { id: 'W7', title: 'TCP echo, 1 connection', unit: 'msg/s', size: { full: 1, quick: 1 }, reference: 'wasm', notBuilt: () => 'not built yet: no TCP in wasmloop/node', competitors: [] },
  { id: 'W7x10', title: 'TCP echo, 10 connections', unit: 'msg/s', size: { full: 1, quick: 1 }, reference: 'wasm', notBuilt: () => 'not built yet: no TCP in wasmloop/node', competitors: [] },
];
