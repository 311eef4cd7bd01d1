#!/usr/bin/env node
// W7 (bench/README.md): TCP echo on 127.0.0.1, 1 KiB request/response, 1 and 10 connections.
// One client (below, plain node:net, in this process) drives every server; each server is its own
// process (bench/servers/), so its CPU time is read from /proc/<pid>/stat around each measured
// slice. Slices are interleaved across servers (A B C … A B C …): `runs` slices of `slice` seconds
// per server and connection count (5 × 1 s = 5 s each; --quick: 2 × 0.25 s), each after a
// warm-up. Figures: messages per second (round trips), and the server's CPU µs per message.
//
// Interface: `run({ quick })` → rows [{ impl, conns, msgPerSec, msgPerSecMin, msgPerSecMax,
// cpuUsPerMsg, cpuUsPerMsgMin, cpuUsPerMsgMax, msgRatio, cpuRatio, runs, note? }], ratios against
// 'node net' at the same connection count. Missing runtimes (Python, uvloop) are skipped with a
// note in `skipped`, never a failure: run() returns rows with `.skipped` attached.
// Standalone: `node bench/workloads/w7.mjs [--quick]` prints a markdown table.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import * as net from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const servers = join(here, 'servers');
const PYTHON = '/usr/bin/python3';
const MSG = 1024;
const REFERENCE = 'node net';

function candidates() {
  const list = [
    ['wasmloop protocol (wasm)', process.execPath, [join(servers, 'w7-wasmloop.mjs'), '--mode', 'protocol', '--core', 'wasm']],
    ['wasmloop protocol (js)', process.execPath, [join(servers, 'w7-wasmloop.mjs'), '--mode', 'protocol', '--core', 'js']],
    ['wasmloop streams (wasm)', process.execPath, [join(servers, 'w7-wasmloop.mjs'), '--mode', 'streams', '--core', 'wasm']],
    ['wasmloop streams (js)', process.execPath, [join(servers, 'w7-wasmloop.mjs'), '--mode', 'streams', '--core', 'js']],
    [REFERENCE, process.execPath, [join(servers, 'w7-node.mjs')]],
  ];
  const skipped = [];
  const py = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import asyncio'], { stdio: 'ignore' }).status === 0;
  if (!py) skipped.push(`asyncio, uvloop: ${PYTHON} not found`);
  else {
    for (const mode of ['protocol', 'streams']) list.push([`asyncio ${mode}`, PYTHON, [join(servers, 'w7_asyncio.py'), '--loop', 'asyncio', '--mode', mode]]);
    if (spawnSync(PYTHON, ['-c', 'import uvloop'], { stdio: 'ignore' }).status === 0)
      for (const mode of ['protocol', 'streams']) list.push([`uvloop ${mode}`, PYTHON, [join(servers, 'w7_asyncio.py'), '--loop', 'uvloop', '--mode', mode]]);
    else skipped.push('uvloop: python3-uvloop is not installed');
  }
  return { list, skipped };
}

/** Starts a server process; resolves with { impl, proc, port } once it printed its port. */
function startServer([impl, cmd, args]) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${impl}: no port within 15 s`)), 15_000);
    proc.on('error', reject);
    proc.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve({ impl, proc, port: JSON.parse(buf.slice(0, nl)).port });
    });
  });
}

const CLK_TCK = 100; // Linux's USER_HZ, what /proc/<pid>/stat counts in
/** The process's user + system CPU time in seconds, or null where /proc is missing. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** Opens `conns` connections that echo 1 KiB messages back to back; returns a counter and a closer. */
async function drive(port, conns) {
  const payload = Buffer.alloc(MSG, 120);
  const state = { messages: 0 };
  const sockets = await Promise.all(
    Array.from(
      { length: conns },
      () =>
        new Promise((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port }, () => {
            s.setNoDelay(true);
            let pending = MSG;
            s.on('data', (d) => {
              pending -= d.length;
              while (pending <= 0) {
                state.messages++;
                pending += MSG;
                s.write(payload);
              }
            });
            s.write(payload);
            resolve(s);
          });
          s.on('error', reject);
        }),
    ),
  );
  return {
    state,
    // a clean close (FIN after the last message), so servers see EOF rather than a reset
    close: () =>
      Promise.all(
        sockets.map(
          (s) =>
            new Promise((resolve) => {
              s.removeAllListeners('data');
              s.on('data', () => {});
              s.on('error', () => {});
              s.once('close', resolve);
              s.end();
              setTimeout(() => s.destroy(), 2000).unref();
            }),
        ),
      ),
  };
}

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

async function slice(server, conns, warm, seconds) {
  const d = await drive(server.port, conns);
  await sleep(warm);
  const m0 = d.state.messages;
  const c0 = cpuSeconds(server.proc.pid);
  const t0 = performance.now();
  await sleep(seconds);
  const m1 = d.state.messages;
  const c1 = cpuSeconds(server.proc.pid);
  const dt = (performance.now() - t0) / 1000;
  await d.close();
  const n = m1 - m0;
  return { msgPerSec: n / dt, cpuUsPerMsg: c0 === null || c1 === null || n === 0 ? null : ((c1 - c0) * 1e6) / n };
}

function stats(xs) {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (s.length === 0) return { median: null, min: null, max: null };
  return { median: s[s.length >> 1], min: s[0], max: s[s.length - 1] };
}

export async function run({ quick = false } = {}) {
  const runs = quick ? 2 : 5;
  const seconds = quick ? 0.25 : 1;
  const warm = quick ? 0.1 : 0.25;
  const { list, skipped } = candidates();
  const started = [];
  try {
    for (const c of list) started.push(await startServer(c));
    const rows = [];
    for (const conns of [1, 10]) {
      const samples = new Map(started.map((s) => [s.impl, []]));
      for (const s of started) await slice(s, conns, warm, quick ? 0.05 : 0.25); // warm-up (JIT)
      for (let r = 0; r < runs; r++) for (const s of started) samples.get(s.impl).push(await slice(s, conns, warm, seconds));
      const byImpl = new Map();
      for (const [impl, xs] of samples) byImpl.set(impl, { msg: stats(xs.map((x) => x.msgPerSec)), cpu: stats(xs.map((x) => x.cpuUsPerMsg)) });
      const ref = byImpl.get(REFERENCE);
      for (const [impl, { msg, cpu }] of byImpl)
        rows.push({
          impl,
          conns,
          msgPerSec: msg.median,
          msgPerSecMin: msg.min,
          msgPerSecMax: msg.max,
          cpuUsPerMsg: cpu.median,
          cpuUsPerMsgMin: cpu.min,
          cpuUsPerMsgMax: cpu.max,
          msgRatio: ref && msg.median !== null ? msg.median / ref.msg.median : null,
          // > 1 means more CPU per message than the reference
          cpuRatio: ref && cpu.median !== null && ref.cpu.median ? cpu.median / ref.cpu.median : null,
          runs,
        });
    }
    rows.skipped = skipped;
    return rows;
  } finally {
    for (const s of started) s.proc.kill('SIGKILL');
  }
}

export function table(rows) {
  const f = (x, d = 1) => (x === null || x === undefined ? '–' : x.toFixed(d));
  const lines = ['| W7 server | conns | msg/s (min–max) | ×node net | server CPU µs/msg (min–max) | ×node net |', '|---|---|---|---|---|---|'];
  for (const r of rows)
    lines.push(`| ${r.impl} | ${r.conns} | ${f(r.msgPerSec, 0)} (${f(r.msgPerSecMin, 0)}–${f(r.msgPerSecMax, 0)}) | ${f(r.msgRatio, 2)} | ${f(r.cpuUsPerMsg)} (${f(r.cpuUsPerMsgMin)}–${f(r.cpuUsPerMsgMax)}) | ${f(r.cpuRatio, 2)} |`);
  for (const s of rows.skipped ?? []) lines.push(`\nskipped: ${s}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await run({ quick: process.argv.includes('--quick') });
  console.log(`W7 on node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${new Date().toISOString()}`);
  console.log(table(rows));
}
