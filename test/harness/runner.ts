/**
 * Runs the conformance suite outside Node with vitest's own runner (`@vitest/runner`), and
 * reports in one format for every host: a line per file, each failure with its error, the files
 * that cannot run in this host with the reason, and the closing line `N passed, N failed`.
 * Bundled with the suite by scripts/test-hosts.mjs (entries: cli.ts, window.ts, worker.ts).
 */
import { startTests, type File, type Task, type VitestRunner } from '@vitest/runner';

/** A test file as the build saw it: how to import it, and what it needs from its host. */
export interface SuiteFile {
  path: string;
  load: () => Promise<unknown>;
  /** Capabilities the file needs ('node', 'blocking'), each with why. */
  needs: Record<string, string>;
}

export const NEED_DESCRIPTIONS: Record<string, string> = {
  node: "Node's built-in modules",
  blocking: 'a thread that may block in Atomics.wait',
  shared: 'SharedArrayBuffer (in a browser: a cross-origin-isolated page)',
  npm: "npm and the repository's build tools (only Node's vitest run has them)",
};

export interface Counts {
  passed: number;
  failed: number;
}

/** The files this host can run (its capabilities cover their needs), and the others with why. */
export function partition(files: SuiteFile[], capabilities: string[]): { run: SuiteFile[]; notRun: { file: SuiteFile; why: string }[] } {
  const run: SuiteFile[] = [];
  const notRun: { file: SuiteFile; why: string }[] = [];
  for (const file of files) {
    const missing = Object.keys(file.needs).filter((n) => !capabilities.includes(n));
    if (missing.length === 0) run.push(file);
    else notRun.push({ file, why: missing.map((n) => `needs ${NEED_DESCRIPTIONS[n] ?? n} (${file.needs[n]})`).join('; ') });
  }
  return { run, notRun };
}

function tests(task: Task, out: Task[] = []): Task[] {
  if (task.type === 'test') out.push(task);
  else for (const t of task.tasks) tests(t, out);
  return out;
}

function fullName(task: Task): string {
  const names: string[] = [];
  for (let t: Task | undefined = task; t !== undefined && t !== t.file; t = t.suite) names.unshift(t.name);
  return names.join(' > ');
}

function describeError(e: any): string {
  const lines = [`${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`];
  if (e?.diff) lines.push(String(e.diff));
  const stack = String(e?.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l) || /@/.test(l))
    .slice(0, 6);
  lines.push(...stack.map((l) => `  ${l.trim()}`));
  return lines.join('\n');
}

/** Runs `files` in this host and prints the report through `print`; resolves with the counts. */
export async function runSuite(label: string, files: SuiteFile[], notRun: { file: SuiteFile; why: string }[], print: (line: string) => void): Promise<Counts> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const counts: Counts = { passed: 0, failed: 0 };
  const reported = new Set<File>();
  const runner: VitestRunner = {
    config: {
      root: '/',
      setupFiles: [],
      name: label,
      passWithNoTests: false,
      testNamePattern: undefined,
      allowOnly: false,
      sequence: { seed: 0, hooks: 'stack', setupFiles: 'list', shuffle: false, concurrent: false },
      chaiConfig: undefined,
      maxConcurrency: 5,
      testTimeout: 60_000,
      hookTimeout: 60_000,
      retry: 0,
      includeTaskLocation: false,
      tags: [],
      tagsFilter: undefined,
      strictTags: false,
    },
    importFile: async (path) => {
      await byPath.get(path)!.load();
    },
    onAfterRunSuite(suite) {
      if (suite === suite.file) report(suite.file);
    },
  };
  const report = (file: File): void => {
    reported.add(file);
    const all = tests(file);
    const failed = all.filter((t) => t.result?.state === 'fail');
    const passed = all.filter((t) => t.result?.state === 'pass');
    const fileErrors = file.result?.errors ?? [];
    counts.passed += passed.length;
    counts.failed += failed.length + (fileErrors.length > 0 ? 1 : 0);
    const ms = Math.round(file.result?.duration ?? 0);
    const mark = failed.length || fileErrors.length ? '✗' : '✓';
    print(`${mark} ${file.filepath}  ${passed.length}/${all.length} passed  (${ms} ms)`);
    for (const e of fileErrors) print(`  ✗ (file) ${describeError(e).replace(/\n/g, '\n    ')}`);
    for (const t of failed) {
      print(`  ✗ ${fullName(t)}`);
      for (const e of t.result?.errors ?? []) print(`    ${describeError(e).replace(/\n/g, '\n    ')}`);
    }
  };
  print(`${label}: running ${files.length} test files`);
  const ran = await startTests(
    files.map((f) => f.path),
    runner,
  );
  // a file that failed to load (its import threw) is never run as a suite: report it here, as a failure
  for (const file of ran) if (!reported.has(file)) report(file);
  if (ran.length !== files.length) {
    counts.failed++;
    print(`✗ ${files.length} files were given to the runner, it returned ${ran.length}`);
  }
  for (const { file, why } of notRun) print(`- ${file.path}: not run in ${label}: ${why}`);
  print(`${counts.passed} passed, ${counts.failed} failed`);
  return counts;
}
