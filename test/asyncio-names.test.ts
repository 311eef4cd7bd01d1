/**
 * docs/asyncio-names.md cannot go stale: every wasmloop name its tables give exists (an export of
 * the entry it names, a member of every EventLoop, or a member of an exported class), and every
 * asyncio name it lists as missing is really missing (so implementing one means moving its row).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as index from '../bindings/index.js';
import * as node from '../bindings/node.js';
import * as pyodide from '../bindings/pyodide.js';
import * as web from '../bindings/web.js';

const doc = readFileSync(new URL('../docs/asyncio-names.md', import.meta.url), 'utf8');
const entries: Record<string, Record<string, unknown>> = { index, node, web, pyodide };
const loop = index.newEventLoop({ core: 'js', clock: 'virtual' });

/** The rows of every table whose header is `| asyncio | <second> | …`, as arrays of cells. */
function rows(second: string): string[][] {
  const out: string[][] = [];
  let inTable = false;
  for (const line of doc.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells[0] === 'asyncio') inTable = cells[1] === second;
    else if (inTable && !/^-+$/.test(cells[0]!)) out.push(cells);
  }
  return out;
}
const spans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** Whether a wasmloop name of the table's notation exists. */
function exists(name: string): boolean {
  const entry = /^(node|web|pyodide):(\w+)$/.exec(name);
  if (entry) return entry[2]! in entries[entry[1]!]!;
  const member = /^(\w+)\.(\w+)$/.exec(name);
  if (member) {
    const [, owner, key] = member as unknown as [string, string, string];
    if (owner === 'loop') return key in loop;
    const cls = [index, node, web].map((e) => (e as Record<string, unknown>)[owner]).find((v) => typeof v === 'function') as { prototype: object } | undefined;
    return cls !== undefined && (key in cls.prototype || key in cls);
  }
  return /^\w+$/.test(name) && name in index;
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe('docs/asyncio-names.md', () => {
  const mapped = rows('wasmloop');
  const missing = rows('why');

  it('the notation check tells a real name from a misspelt one', () => {
    for (const real of ['newEventLoop', 'loop.callSoon', 'Future.setResult', 'node:openConnection', 'web:fetch', 'pyodide:installPyodideLoop', 'Queue.maxsize']) expect(exists(real), real).toBe(true);
    for (const bogus of ['newEventLoops', 'loop.callSooon', 'Future.set_result', 'node:fetch', 'web:openConnection', 'Nothing.here', 'loop']) expect(exists(bogus), bogus).toBe(false);
  });

  it('every wasmloop name in the tables exists', () => {
    const names = mapped.flatMap((r) => spans(r[1] ?? ''));
    expect(mapped.length).toBeGreaterThan(80);
    expect(names.length).toBeGreaterThan(200);
    expect(names.filter((n) => !exists(n))).toEqual([]);
    // and every row maps to something
    expect(mapped.filter((r) => spans(r[1] ?? '').length === 0)).toEqual([]);
  });

  it('every asyncio name listed as missing is missing, and says why', () => {
    expect(missing.length).toBeGreaterThan(8);
    const checked: string[] = [];
    for (const [asyncio, why] of missing) {
      expect((why ?? '').length, asyncio).toBeGreaterThan(20);
      for (const span of spans(asyncio!)) {
        const m = /^(asyncio|loop)\.(\w+)(\(\))?$/.exec(span);
        if (!m) continue; // `ssl=` arguments: not a name
        const name = m[2]!;
        const candidates = m[1] === 'loop' ? [`loop.${camel(name)}`] : [camel(name), `node:${camel(name)}`, `web:${camel(name)}`];
        for (const c of candidates) expect(exists(c), `${span} is listed as missing but ${c} exists: move its row`).toBe(false);
        checked.push(span);
      }
    }
    expect(checked.length).toBeGreaterThan(12);
  });
});
