/**
 * The conformance suite in a browser window, served by scripts/serve.mjs twice: on a
 * cross-origin-isolated page, and on an ordinary one (/plain/: no SharedArrayBuffer). Every file
 * whose needs the page meets runs here, on the window's main thread; on the isolated page the
 * files that need a thread that may block run in a Web Worker (worker.ts) afterwards; the host
 * adapter's tests run in the worker a second time on both pages. Lines go to the
 * console (the driver relays them); the result lands in `window.__suiteDone`.
 */
import { FILES } from 'virtual:suite-files';
import { host } from '../../bindings/hosts/index.js';
import { partition, runSuite, type Counts } from './runner.js';

const print = (line: string) => console.log(line);
const ALSO_IN_WORKER = ['test/hosts.test.ts'];
const g = globalThis as any;

async function inWorker(paths: string[]): Promise<Counts> {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'suite-worker' });
  return new Promise<Counts>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') print(e.data);
      else {
        worker.terminate();
        resolve(e.data as Counts);
      }
    };
    worker.onerror = (e) => reject(new Error(`the suite's worker failed: ${e.message}`));
    worker.postMessage(paths);
  });
}

async function main(): Promise<Counts> {
  // a cross-origin-isolated page has SharedArrayBuffer, and its workers may block; an ordinary
  // page (served under /plain/) has neither, and the suite proves the refusals there
  const isolated = g.crossOriginIsolated === true;
  const { run, notRun } = partition(FILES, isolated ? ['shared'] : []);
  const toWorker = notRun.filter(({ file }) => partition([file], isolated ? ['blocking', 'shared'] : []).run.length === 1);
  const elsewhere = notRun.filter((n) => !toWorker.includes(n));
  const inWindow = await runSuite(
    `chromium window, Chrome ${/Chrome\/([\d.]+)/.exec(host.version)?.[1] ?? host.version}, crossOriginIsolated=${g.crossOriginIsolated}`,
    run,
    [...toWorker.map(({ file, why }) => ({ file, why: `${why}: runs in the Web Worker below` })), ...elsewhere],
    print,
  );
  // the host adapter's own tests run in both kinds of browser thread: a window and a worker
  const workerPaths = [...toWorker.map(({ file }) => file.path), ...run.filter((f) => ALSO_IN_WORKER.includes(f.path)).map((f) => f.path)];
  const inW = workerPaths.length ? await inWorker(workerPaths) : { passed: 0, failed: 0 };
  return { passed: inWindow.passed + inW.passed, failed: inWindow.failed + inW.failed };
}

main().then(
  (counts) => (g.__suiteDone = counts),
  (e) => {
    print(`the suite could not run: ${e?.stack ?? e}`);
    g.__suiteDone = { passed: 0, failed: 1 };
  },
);
