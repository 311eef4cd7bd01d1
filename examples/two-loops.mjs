// Two threads, each running its own wasmloop loop, calling each other through ports.
// Run it: npm run build && node examples/two-loops.mjs
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { connect, newEventLoop, setEventLoop } from 'wasmloop';

if (isMainThread) {
  const loop = newEventLoop();
  loop.expose('greet', (who) => `hello ${who}, from the main thread`);
  const thread = new Worker(new URL(import.meta.url), { workerData: loop.port() });
  const [port] = await once(thread, 'message');
  const worker = connect(port); // a handle on the worker's loop

  loop.createTask(async () => {
    console.log(`square(12) in the worker: ${await worker.runThreadsafe('square', 12)}`);
    console.log(`the worker asked us, and heard: ${await worker.runThreadsafe('askMain')}`);
    worker.stop(); // stops the worker's loop, in its thread
    loop.stop();
  });
  await loop.runForever();
  loop.close();
} else {
  const loop = newEventLoop(); // this thread's own loop
  setEventLoop(loop);
  const main = connect(workerData); // a handle on the main thread's loop
  loop.expose('square', (x) => x * x);
  loop.expose('askMain', () => main.runThreadsafe('greet', 'worker')); // a promise: its outcome is the answer
  parentPort.postMessage(loop.port());
  await loop.runForever();
  loop.close();
}
