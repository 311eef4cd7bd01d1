/**
 * The conformance suite in Bun or Deno: every file whose needs the host meets (both may block in
 * Atomics.wait; Node's built-in modules are Node's), then the exit code.
 */
import { FILES } from 'virtual:suite-files';
import { host } from '../../bindings/hosts/index.js';
import { partition, runSuite } from './runner.js';

const g = globalThis as any;
const { run, notRun } = partition(FILES, ['blocking']);
const counts = await runSuite(`${host.name} ${host.version}`, run, notRun, (line) => console.log(line));
const code = counts.failed > 0 ? 1 : 0;
if (g.Deno) g.Deno.exit(code);
else g.process.exit(code);
