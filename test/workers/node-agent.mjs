// Node transport for test/workers/roles.mjs: runs workerData.role with the built package.
import { parentPort, workerData } from 'node:worker_threads';
import * as wl from '../../dist/index.js';
import { roles } from './roles.mjs';

const inbox = [];
let waiting = null;
const onMessage = (m) => {
  if (waiting) {
    const w = waiting;
    waiting = null;
    w(m);
  } else inbox.push(m);
};
parentPort.on('message', onMessage);
const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)));
await roles[workerData.role](wl, workerData, (m) => parentPort.postMessage(m), next);
// with no listener left the port lets the thread end (Deno 2.9's parentPort has no close())
parentPort.off('message', onMessage);
