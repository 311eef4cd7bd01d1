// W7 — TCP echo on 127.0.0.1: 1 KiB request/response, 1 and 10 connections, one client program
// for every server (../w7-echo.mjs, servers in ../servers/). value: messages per second; extras:
// the server's CPU µs per message (the steadier figure: the client competes for the same cores).
// The servers run as separate processes and are measured in interleaved slices by w7-echo.mjs
// itself, so these workloads hand their measuring to it (`external`), once for both rows.
import { run } from '../w7-echo.mjs';

const NAMES = {
  'wasmloop protocol (wasm)': 'wasm',
  'wasmloop protocol (js)': 'js',
  'wasmloop streams (wasm)': 'wasm streams',
  'wasmloop streams (js)': 'js streams',
  'node net': 'node net',
  'asyncio protocol': 'asyncio',
  'asyncio streams': 'asyncio streams',
  'uvloop protocol': 'uvloop',
  'uvloop streams': 'uvloop streams',
};

let pending = null;
function measureOnce(quick) {
  return (pending ??= run({ quick }));
}

function external(conns) {
  return async ({ quick }) => {
    const rows = await measureOnce(quick);
    const mine = rows.filter((r) => r.conns === conns);
    const ref = mine.find((r) => r.impl === 'node net');
    const out = mine.map((r) => ({
      name: NAMES[r.impl] ?? r.impl,
      label: r.impl,
      kind: r.impl.startsWith('wasmloop') ? (r.impl.includes('(js)') ? 'js' : 'wasm') : r.impl.includes('asyncio') ? 'asyncio' : r.impl.includes('uvloop') ? 'uvloop' : 'host',
      n: conns,
      median: r.msgPerSec,
      min: r.msgPerSecMin,
      max: r.msgPerSecMax,
      ratio: ref && r.msgPerSec !== null ? r.msgPerSec / ref.msgPerSec : null,
      extras: { cpuUsPerMsg: r.cpuUsPerMsg, cpuRatio: r.cpuRatio },
      runs: [],
    }));
    for (const why of rows.skipped ?? []) out.push({ name: String(why).split(':')[0], label: String(why).split(':')[0], kind: String(why).startsWith('uvloop') ? 'uvloop' : 'asyncio', n: conns, skipped: String(why) });
    return out;
  };
}

// issue #7's goal: the wasmloop protocol server within 0.9× of plain Node net (its floor, since
// wasmloop's I/O stands on net) on both figures — msg/s at least 0.9×, CPU per message at most 1/0.9×
const goals = ['wasm', 'js'].map((core) => ({
  text: `protocol (${core}) ≥ 0.9 × net msg/s and ≤ net CPU/msg ÷ 0.9`,
  check: (r) => r[core].median >= 0.9 * r['node net'].median && r[core].extras.cpuUsPerMsg <= r['node net'].extras.cpuUsPerMsg / 0.9,
}));

// charted as the server's CPU per message, the steadier figure
const chart = { value: (r) => r.extras.cpuUsPerMsg * 1000, label: 'server CPU ns/msg' };

export default [
  { id: 'W7', title: 'TCP echo, 1 connection', unit: 'msg/s', reference: 'node net', higherIsBetter: true, goals, chart, external: external(1) },
  { id: 'W7x10', title: 'TCP echo, 10 connections', unit: 'msg/s', reference: 'node net', higherIsBetter: true, goals, chart, external: external(10) },
];
