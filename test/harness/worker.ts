/** The browser suite's Web Worker: runs the files the window sends (those that need to block). */
import { FILES } from 'virtual:suite-files';
import { host } from '../../bindings/hosts/index.js';
import { runSuite } from './runner.js';

const g = globalThis as any;
g.onmessage = async (e: MessageEvent) => {
  const paths = e.data as string[];
  const print = (line: string) => g.postMessage(line);
  const files = FILES.filter((f) => paths.includes(f.path));
  const counts = await runSuite(`chromium web worker (host ${host.name}, canBlock=${host.canBlock()})`, files, [], print);
  g.postMessage(counts);
};
