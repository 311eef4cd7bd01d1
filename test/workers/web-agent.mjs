// Web Worker transport for test/workers/roles.mjs (a module worker of a cross-origin-isolated
// page): the first message is the role and its data, later ones are what `next()` returns.
import * as wl from '../../dist/index.js';
import { roles } from './roles.mjs';

const inbox = [];
let waiting = null;
let started = false;
self.onmessage = (e) => {
  if (!started) {
    started = true;
    void run(e.data);
  } else if (waiting) {
    const w = waiting;
    waiting = null;
    w(e.data);
  } else inbox.push(e.data);
};
const next = () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)));

async function run(data) {
  try {
    await roles[data.role](wl, data, (m) => postMessage(m), next);
  } catch (e) {
    postMessage({ agentError: { name: e.name, message: e.message } });
  }
}
