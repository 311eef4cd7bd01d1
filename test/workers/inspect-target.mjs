// A worker whose loop is busy with tasks (one stuck for ever), inspected from the main thread
// (test/remote-inspect-threads.test.ts): posts its port, then runs until stopped through it.
import { parentPort, workerData } from 'node:worker_threads';
import * as wl from '../../dist/index.js';

const loop = wl.newEventLoop({ core: workerData.core });
wl.setEventLoop(loop);
const never = loop.createFuture();
async function stuck() {
  await never;
}
async function busy() {
  for (;;) await wl.sleep(0.001);
}
loop.createTask(async function parent() {
  await wl.gather(stuck, busy);
}, { name: 'parent' });
loop.callSoon(() => parentPort.postMessage({ port: loop.port() }));
await loop.runForever();
parentPort.postMessage({ done: true });
