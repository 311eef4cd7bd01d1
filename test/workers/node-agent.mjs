// Node transport for test/workers/roles.mjs: runs workerData.role with the built package.
import { parentPort, workerData } from 'node:worker_threads';
import * as wl from '../../dist/index.js';
import { roles } from './roles.mjs';

const inbox = [];
let waiting = null;
parentPort.on('message', (m) => {
  if (waiting) {
    const w = waiting;
    waiting = null;
    w(m);
  } else inbox.push(m);
});
const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)));
await roles[workerData.role](wl, workerData, (m) => parentPort.postMessage(m), next);
parentPort.close();
