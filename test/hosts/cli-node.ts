/**
 * The suite's files that need Node's built-in modules, in Bun or Deno through their node:
 * compatibility (bundled for platform node by scripts/test-hosts.mjs; Deno runs it with -A): the
 * host I/O tests (TCP, Unix sockets, streams, subprocesses, signals, getaddrinfo, robustness,
 * WebSocket and fetch against loopback servers) and the rest that Node's modules let run. A file
 * that says `@needs nodejs`, `unbundled` or (where the host cannot collect garbage on demand)
 * `gc` is reported as not run, with why.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FILES } from 'virtual:suite-files';
import { host } from '../../bindings/hosts/index.js';
import { partition, runSuite } from './runner.js';

/** Whether this host collects garbage on demand as Node does (Deno: yes; Bun's node:vm has no gc). */
function canCollect(): boolean {
  try {
    setFlagsFromString('--expose-gc');
    return typeof runInNewContext('gc') === 'function';
  } catch {
    return false;
  }
}

const g = globalThis as any;
const { run, notRun } = partition(FILES, ['blocking', 'node', ...(canCollect() ? ['gc'] : [])]);
const counts = await runSuite(`${host.name} ${host.version} (node: modules)`, run, notRun, (line) => console.log(line));
const code = counts.failed > 0 ? 1 : 0;
if (g.Deno) g.Deno.exit(code);
else g.process.exit(code);
