// W8's producer: waits for the start signal, then sends `n` submissions (producer, i) to the loop
// behind `port` (wasmloop) or to the parent with postMessage (the host baseline).
import { parentPort, workerData } from 'node:worker_threads';
import { connect } from '../dist/index.js';

const { mode, port, producer, n, start } = workerData;
const remote = mode === 'wasmloop' ? connect(port) : null;
const flag = new Int32Array(start);
parentPort.postMessage('ready');
Atomics.wait(flag, 0, 0); // every producer starts at once
if (remote !== null) for (let i = 0; i < n; i++) remote.callSoonThreadsafe('sub', producer, i);
else for (let i = 0; i < n; i++) parentPort.postMessage([producer, i]);
parentPort.postMessage({ sent: n });
