/**
 * The conformance suite in Bun or Deno: every file whose needs the host meets (both may block in
 * Atomics.wait), then the exit code. The files that import Node's built-in modules run after it,
 * in a bundle of their own (cli-node.ts).
 */
import { FILES } from 'virtual:suite-files';
import { host } from '../../bindings/hosts/index.js';
import { partition, runSuite } from './runner.js';

const g = globalThis as any;
const { run, notRun } = partition(FILES, ['blocking']);
// the files that import Node's modules run next, through the host's node: compatibility (cli-node.ts)
const later = notRun.filter(({ file }) => file.needs.node);
console.log(`${later.length} files that import Node's modules run after these, through ${host.name}'s node: compatibility`);
const counts = await runSuite(
  `${host.name} ${host.version}`,
  run,
  notRun.filter(({ file }) => !file.needs.node),
  (line) => console.log(line),
);
const code = counts.failed > 0 ? 1 : 0;
if (g.Deno) g.Deno.exit(code);
else g.process.exit(code);
