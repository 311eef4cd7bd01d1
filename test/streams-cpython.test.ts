/**
 * Streams against CPython: the same stream programs run by asyncio (`/usr/bin/python3`, as a
 * subprocess) and by wasmloop (both cores), each reading from the same feeder over loopback; the
 * outputs must be equal — every read's result (bytes, or their length and CRC-32 when large), every
 * error with its fields (LimitOverrunError.consumed, IncompleteReadError.partial/expected, readline's
 * ValueError, which is RangeError here), `atEof()` after each read, and what stayed buffered (each
 * program ends with `read(-1)`).
 *
 * Chunk boundaries are made the same for both: the feeder (plain node:net, in this process) sends
 * one chunk, then waits until the reader's protocol has acknowledged every byte of it (a 4-byte
 * count written back from `dataReceived`, after feeding the reader) before it sends the next one,
 * so each small chunk (16 KiB at most) is one `dataReceived` on both sides and the reads see the
 * buffer asyncio's would. (A larger write arrives in pieces of the host's read size, 256 KiB in
 * asyncio and 64 KiB in Node: only programs whose outcome cannot depend on that send one.) Programs cover the limit (at, past, 2 × and 64 × limit), one-byte chunks, readline,
 * readuntil, readexactly, read(n), read(-1), and EOF after every byte of a program. (3.13's
 * several separators are not in CPython 3.11: test/parity-streams ports 3.13's own cases.)
 *
 * Without /usr/bin/python3 the comparisons cannot run: with CI=true that fails; elsewhere it
 * warns and the comparisons are skipped.
 */
// proves: §7.1
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import process from 'node:process';
import { IncompleteReadError, LimitOverrunError, StreamReader, StreamReaderProtocol, type Transport } from '../bindings/node.js';
import { CORES } from './helpers.js';
import { onLoop } from './io-helpers.js';

const PYTHON = '/usr/bin/python3';
const CI = process.env.CI === 'true' || process.env.CI === '1';
const HAVE_PYTHON = existsSync(PYTHON);
const DEFAULT_LIMIT = 2 ** 16;

type Op = ['readline'] | ['readuntil', string] | ['readexactly', number] | ['read', number];
interface Program {
  name: string;
  limit: number;
  /** Latin-1 strings, sent one at a time; EOF after the last. */
  chunks: string[];
  ops: Op[];
}

// ---- the programs ---------------------------------------------------------------------------

const bytes1 = (s: string): string[] => [...s];
const rep = (s: string, n: number): string => s.repeat(n);

const PROGRAMS: Program[] = [
  { name: 'readline over one-byte chunks, empty lines and a last line without newline', limit: DEFAULT_LIMIT, chunks: bytes1('ab\ncd\n\n\nef'), ops: [['readline'], ['readline'], ['readline'], ['readline'], ['readline'], ['readline'], ['read', -1]] },
  { name: 'readline at the limit, one past it, and far past it (limit 8)', limit: 8, chunks: ['1234567\n', '12345678\n', '123456789\n', rep('z', 40) + '\n', 'tail\n'], ops: [['readline'], ['readline'], ['readline'], ['readline'], ['readline'], ['read', -1]] },
  { name: 'readline past the limit with the line in one-byte chunks: the buffer is cleared (limit 7)', limit: 7, chunks: [...bytes1('chunk1chunk2chunk3\n'), 'next\n'], ops: [['readline'], ['readline'], ['readline'], ['read', -1]] },
  { name: 'readline past the limit, fed as CPython test_readline_limit feeds it (limit 7)', limit: 7, chunks: ['chunk1', 'chunk2\n', 'chunk3\n'], ops: [['readline'], ['readline'], ['read', -1]] },
  { name: 'readuntil a two-byte separator split across chunks', limit: DEFAULT_LIMIT, chunks: ['abc\r', '\ndef\r', '\r', '\n', 'x\r\ny'], ops: [['readuntil', '\r\n'], ['readuntil', '\r\n'], ['readuntil', '\r\n'], ['readuntil', '\r\n'], ['read', -1]] },
  { name: 'readuntil past the limit: not found, then found, the data kept (limit 10)', limit: 10, chunks: [rep('x', 6), rep('x', 6), rep('x', 6), '!', 'rest'], ops: [['readuntil', '!'], ['readuntil', '!'], ['readexactly', 19], ['readuntil', '!'], ['read', -1]] },
  { name: 'readuntil past the limit in one-byte chunks (limit 5)', limit: 5, chunks: bytes1('abcdefghij!k'), ops: [['readuntil', '!'], ['read', 3], ['readuntil', '!'], ['read', -1]] },
  { name: 'readuntil of a three-byte separator past the limit (limit 4)', limit: 4, chunks: ['aaAA', 'aAAx', 'AAA', 'z'], ops: [['readuntil', 'AAA'], ['read', 2], ['readuntil', 'AAA'], ['readuntil', 'AAA'], ['read', -1]] },
  { name: 'readexactly of 2 × limit + 1 in chunks of limit / 2 (limit 1024)', limit: 1024, chunks: Array.from({ length: 6 }, (_, i) => rep(String.fromCharCode(97 + i), 512)), ops: [['readexactly', 2049], ['readexactly', 1], ['read', -1]] },
  { name: 'readexactly of 64 × limit on a default reader (4 MiB in one write)', limit: DEFAULT_LIMIT, chunks: [rep('0123456789abcdef', (64 * DEFAULT_LIMIT) / 16) + 'tail'], ops: [['readexactly', 64 * DEFAULT_LIMIT], ['read', -1]] },
  { name: 'readexactly of 64 × limit in one-byte chunks (limit 1)', limit: 1, chunks: bytes1(rep('q', 64) + 'r'), ops: [['readexactly', 64], ['readline'], ['read', -1]] },
  { name: 'readline of a line of 3 × limit on a default reader, in chunks of limit / 4', limit: DEFAULT_LIMIT, chunks: [...Array.from({ length: 12 }, () => rep('L', DEFAULT_LIMIT / 4)), '\nafter\n'], ops: [['readline'], ['readline'], ['read', -1]] },
  { name: 'a line of 64 × limit in chunks of 64 bytes (limit 16)', limit: 16, chunks: Array.from({ length: 16 }, () => rep('w', 64)).concat(['\nok\n']), ops: [['readline'], ['readline'], ['read', -1]] },
  { name: 'read(n) of what is there, across one-byte chunks', limit: DEFAULT_LIMIT, chunks: [...bytes1('abcdef'), 'ghijkl', 'mnop'], ops: [['read', 1], ['read', 100], ['read', 0], ['read', 3], ['read', 5], ['read', 100], ['read', 100], ['read', 4]] },
  { name: 'read(-1) of 3 × limit in chunks of limit / 2 (limit 100)', limit: 100, chunks: Array.from({ length: 6 }, (_, i) => rep(String(i), 50)), ops: [['read', -1], ['read', -1], ['read', 10]] },
  { name: 'readexactly and readuntil meeting EOF: IncompleteReadError fields', limit: DEFAULT_LIMIT, chunks: ['abcd'], ops: [['readexactly', 10], ['readuntil', '\n'], ['readexactly', 1], ['readline'], ['read', -1]] },
];

// EOF at every point: the same program over each prefix of its data, in one-byte chunks
const EOF_DATA = 'ab\ncd\r\nef!gh';
for (let k = 0; k <= EOF_DATA.length; k++)
  PROGRAMS.push({
    name: `EOF after ${k} of ${EOF_DATA.length} bytes`,
    limit: 4,
    chunks: bytes1(EOF_DATA.slice(0, k)),
    ops: [['readline'], ['readuntil', '\r\n'], ['readexactly', 2], ['readuntil', '!'], ['read', 1], ['readline'], ['read', -1]],
  });

// ---- the feeder -------------------------------------------------------------------------------

/** A TCP server that sends program `i`'s chunks to whoever sends "i\n", one chunk per acknowledgement. */
function startFeeder(): Promise<{ port: number; close(): void }> {
  const chunks = PROGRAMS.map((p) => p.chunks.map((c) => Buffer.from(c, 'latin1')));
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sock.setNoDelay(true);
    sock.on('error', () => {});
    let program: Buffer[] | null = null;
    let head = Buffer.alloc(0);
    let step = 0;
    let sent = 0;
    let acked = 0;
    const next = (): void => {
      if (program === null || acked < sent) return;
      if (step < program.length) {
        const c = program[step++]!;
        sent += c.length;
        sock.write(c);
      } else if (step === program.length) {
        step++;
        sock.end();
      }
    };
    sock.on('data', (d: Buffer) => {
      head = Buffer.concat([head, d]);
      if (program === null) {
        const nl = head.indexOf(10);
        if (nl < 0) return;
        program = chunks[Number(head.subarray(0, nl).toString('latin1'))]!;
        head = head.subarray(nl + 1);
        next();
      }
      while (head.length >= 4) {
        acked += head.readUInt32BE(0);
        head = head.subarray(4);
      }
      next();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() })));
}

// ---- the two readers ----------------------------------------------------------------------------

type Shown = { len: number; crc: number; text: string | null };
type Outcome = Record<string, unknown>;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** zlib.crc32 */
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function show(b: Uint8Array): Shown {
  return { len: b.length, crc: crc32(b), text: b.length <= 256 ? Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1') : null };
}

const PY_READER = String.raw`
import asyncio, json, struct, sys, zlib

def show(b):
    return {'len': len(b), 'crc': zlib.crc32(b), 'text': b.decode('latin1') if len(b) <= 256 else None}

class AckProtocol(asyncio.StreamReaderProtocol):
    def connection_made(self, transport):
        super().connection_made(transport)
        self.ack_transport = transport

    def data_received(self, data):
        super().data_received(data)
        self.ack_transport.write(struct.pack('>I', len(data)))

async def run(port, index, program):
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=program['limit'])
    transport, _ = await loop.create_connection(lambda: AckProtocol(reader), '127.0.0.1', port)
    transport.write(b'%d\n' % index)
    out = []
    for op in program['ops']:
        try:
            if op[0] == 'readline':
                r = await reader.readline()
            elif op[0] == 'readuntil':
                r = await reader.readuntil(op[1].encode('latin1'))
            elif op[0] == 'readexactly':
                r = await reader.readexactly(op[1])
            else:
                r = await reader.read(op[1])
            o = {'ok': show(r)}
        except asyncio.LimitOverrunError as e:
            o = {'error': 'LimitOverrunError', 'message': str(e), 'consumed': e.consumed}
        except asyncio.IncompleteReadError as e:
            o = {'error': 'IncompleteReadError', 'message': str(e), 'partial': show(e.partial), 'expected': e.expected}
        except ValueError as e:
            o = {'error': 'ValueError', 'message': str(e)}
        o['atEof'] = reader.at_eof()
        out.append(o)
    transport.close()
    return out

async def main():
    port, programs = json.loads(sys.stdin.read())
    return [await asyncio.wait_for(run(port, i, p), 60) for i, p in enumerate(programs)]

print(json.dumps(asyncio.run(main())))
`;

function runPython(port: number): Promise<Outcome[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', PY_READER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => void (out += d));
    child.stderr.on('data', (d) => void (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${PYTHON} exited with ${code}: ${err}`));
      else resolve(JSON.parse(out));
    });
    child.stdin.end(JSON.stringify([port, PROGRAMS.map((p) => ({ limit: p.limit, ops: p.ops }))]));
  });
}

/** The same program as PY_READER's run(), on wasmloop. */
class AckProtocol extends StreamReaderProtocol {
  private _ack: { write(b: Uint8Array): void } | null = null;
  override connectionMade(transport: Parameters<StreamReaderProtocol['connectionMade']>[0]): void {
    super.connectionMade(transport);
    this._ack = transport;
  }
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    const n = new Uint8Array(4);
    new DataView(n.buffer).setUint32(0, data.length);
    this._ack!.write(n);
  }
}

async function runWasmloop(core: (typeof CORES)[number], port: number, index: number): Promise<Outcome[]> {
  const program = PROGRAMS[index]!;
  return onLoop(
    core,
    async (loop) => {
      const reader = new StreamReader({ limit: program.limit, loop });
      const [transport] = (await loop.createConnection(() => new AckProtocol(reader, null, loop), '127.0.0.1', port)) as [Transport, AckProtocol];
      transport.write(Buffer.from(`${index}\n`, 'latin1'));
      const out: Outcome[] = [];
      for (const op of program.ops) {
        let o: Outcome;
        try {
          const r =
            op[0] === 'readline'
              ? await reader.readline()
              : op[0] === 'readuntil'
                ? await reader.readuntil(Buffer.from(op[1], 'latin1'))
                : op[0] === 'readexactly'
                  ? await reader.readexactly(op[1])
                  : await reader.read(op[1]);
          o = { ok: show(r) };
        } catch (e) {
          if (e instanceof LimitOverrunError) o = { error: 'LimitOverrunError', message: e.message, consumed: e.consumed };
          else if (e instanceof IncompleteReadError) o = { error: 'IncompleteReadError', message: e.message, partial: show(e.partial), expected: e.expected };
          else if (e instanceof RangeError) o = { error: 'ValueError', message: e.message };
          else throw e;
        }
        o.atEof = reader.atEof();
        out.push(o);
      }
      transport.close();
      return out;
    },
    30, // under the test's timeout: a read that hangs fails this program only
  );
}

// ---- the comparisons ----------------------------------------------------------------------------

let feeder: { port: number; close(): void } | null = null;
let python: Promise<Outcome[][]> | null = null;

beforeAll(async () => {
  if (!HAVE_PYTHON) return;
  feeder = await startFeeder();
  python = runPython(feeder.port);
  python.catch(() => {}); // awaited by each comparison
});

afterAll(() => feeder?.close());

it(`CPython is there to compare with (${PYTHON}; required when CI=true)`, () => {
  if (!HAVE_PYTHON) {
    const why = `${PYTHON} is absent: the streams-against-CPython comparisons cannot run`;
    if (CI) throw new Error(`${why} (CI=true requires it: install python3)`);
    console.warn(`\n*** ${why}; they are skipped here, and fail under CI=true ***\n`);
  }
  expect(PROGRAMS.length).toBeGreaterThan(20);
});

it.skipIf(!HAVE_PYTHON)("asyncio's outcomes cover every kind of result the programs are meant to reach", async () => {
  const outcomes = (await python!).flat();
  const kinds = new Set(outcomes.map((o) => String(o.error ?? 'ok')));
  expect([...kinds].sort()).toEqual(['IncompleteReadError', 'LimitOverrunError', 'ValueError', 'ok']);
  // the 64 × limit read came back whole
  const big = (await python!)[PROGRAMS.findIndex((p) => p.name.startsWith('readexactly of 64 × limit on'))]![0]!;
  expect((big.ok as Shown).len).toBe(64 * DEFAULT_LIMIT);
});

describe.each(CORES)('streams against CPython (%s core)', (core) => {
  it.skipIf(!HAVE_PYTHON).each(PROGRAMS.map((p, i) => [p.name, i] as const))('%s', async (_name, index) => {
    const expected = (await python!)[index];
    const got = await runWasmloop(core, feeder!.port, index);
    expect(got).toEqual(expected);
  });
});
