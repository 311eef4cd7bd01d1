/**
 * Hostile values, for any suite that hands user values to wasmloop: values that are not
 * well-behaved when looked at, converted or printed. Portable (no node: import).
 *
 * `hostile()` is a fast-check arbitrary of `Hostile` cases — the value and a label that names it —
 * so a failing run prints the label (fast-check could not print a revoked Proxy). `exotic()` is the
 * bare values. Each case is built afresh for every run. The kinds: no prototype, throwing getters
 * (`name`, `message`, `constructor`, `then`, `stack`…), throwing `toString` / `valueOf` /
 * `Symbol.toPrimitive`, revoked Proxies (of an object and of a function), Proxies whose every trap
 * throws, Symbols, BigInts, classes (plain and Error subclasses), functions with a throwing `name`,
 * cyclic objects, huge, negative and non-finite numbers — mixed with `fc.anything()`.
 */
import fc from 'fast-check';

export interface Hostile {
  label: string;
  value: unknown;
}

const boom = (what: string) => (): never => {
  throw new Error(`hostile ${what}`);
};

function revokedProxy(target: object): unknown {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

function trapsThrow(target: object): unknown {
  const trap = boom('proxy trap');
  return new Proxy(target, {
    get: trap, set: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap,
    defineProperty: trap, deleteProperty: trap, apply: trap, construct: trap, isExtensible: trap, preventExtensions: trap, setPrototypeOf: trap,
  });
}

function getterThrows(...keys: PropertyKey[]): object {
  const o = {};
  for (const k of keys) Object.defineProperty(o, k, { get: boom(`${String(k)} getter`), enumerable: true, configurable: true });
  return o;
}

function errorWith(key: 'message' | 'name' | 'stack' | 'constructor'): Error {
  const e = new Error('hostile error');
  Object.defineProperty(e, key, { get: boom(`error ${key}`), configurable: true });
  return e;
}

function cyclic(): object {
  const a: Record<string, unknown> = { name: 'a' };
  const b: Record<string, unknown> = { a, list: [a] };
  a.b = b;
  a.self = a;
  return a;
}

/** The hand-made cases: `[label, make]`, each `make()` a fresh value. */
export const EXOTIC_CASES: ReadonlyArray<readonly [string, () => unknown]> = [
  ['Object.create(null)', () => Object.create(null)],
  ['Object.create(null) with fields', () => Object.assign(Object.create(null), { a: 1, b: 'two' })],
  ['toString throws', () => ({ toString: boom('toString') })],
  ['valueOf and toString throw', () => ({ toString: boom('toString'), valueOf: boom('valueOf') })],
  ['Symbol.toPrimitive throws', () => ({ [Symbol.toPrimitive]: boom('toPrimitive') })],
  ['toString returns an object', () => ({ toString: () => ({}), valueOf: () => ({}) })],
  ['getters throw (constructor, then, name, message, toString)', () => getterThrows('constructor', 'then', 'name', 'message', 'toString', 'next', 'throw')],
  ['then getter throws', () => getterThrows('then')],
  ['constructor getter throws', () => getterThrows('constructor')],
  ['Symbol.toStringTag getter throws', () => getterThrows(Symbol.toStringTag)],
  ['revoked Proxy of an object', () => revokedProxy({})],
  ['revoked Proxy of a function', () => revokedProxy(function target() {})],
  ['Proxy whose traps throw', () => trapsThrow({})],
  ['Proxy of a function whose traps throw', () => trapsThrow(function target() {})],
  ['Error whose message getter throws', () => errorWith('message')],
  ['Error whose name getter throws', () => errorWith('name')],
  ['Error whose stack getter throws', () => errorWith('stack')],
  ['Error whose constructor getter throws', () => errorWith('constructor')],
  ['Error of no prototype', () => Object.setPrototypeOf(new Error('orphan'), null)],
  ['function whose name getter throws', () => Object.defineProperty(function f() {}, 'name', { get: boom('function name') })],
  ['function whose constructor getter throws', () => Object.defineProperty(() => 1, 'constructor', { get: boom('function constructor') })],
  ['class', () => class Hostile {}],
  ['class extending Error', () => class HostileError extends Error {}],
  ['class whose constructor throws', () => class Throws extends Error { constructor() { super(); throw new Error('hostile constructor'); } }],
  ['Symbol()', () => Symbol('hostile')],
  ['Symbol.iterator', () => Symbol.iterator],
  ['BigInt', () => 2n ** 70n],
  ['negative BigInt', () => -5n],
  ['cyclic object', cyclic],
  ['cyclic array', () => { const a: unknown[] = [1]; a.push(a); return a; }],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['-0', () => -0],
  ['huge number', () => Number.MAX_VALUE],
  ['huge negative number', () => -1e300],
  ['tiny number', () => Number.MIN_VALUE],
  ['negative number', () => -1],
  ['undefined', () => undefined],
  ['null', () => null],
  ['a long string', () => 'x'.repeat(10_000)],
  ['a lone surrogate', () => '\ud800'],
];

function labelOf(v: unknown): string {
  try {
    return fc.stringify(v);
  } catch {
    return '<anything>';
  }
}

/** Hostile cases: the hand-made ones and, about a third of the time, `fc.anything()`. */
export function hostile(): fc.Arbitrary<Hostile> {
  const made = fc.constantFrom(...EXOTIC_CASES).map(([label, make]) => ({ label, value: make() }));
  const any = fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true }).map((value) => ({ label: labelOf(value), value }));
  return fc.oneof({ arbitrary: made, weight: 2 }, { arbitrary: any, weight: 1 }).map((h) => Object.assign(h, { [fc.toStringMethod]: () => h.label }));
}

/** The bare values of `hostile()`. */
export function exotic(): fc.Arbitrary<unknown> {
  return hostile().map((h) => h.value);
}

/**
 * Collects unhandled promise rejections while it is on: Node's and Bun's `process` event, else
 * the `unhandledrejection` event of browsers and Deno. `stop()` detaches.
 */
export function watchUnhandled(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const proc = (globalThis as { process?: { on?: Function; off?: Function } }).process;
  if (typeof proc?.on === 'function' && typeof proc.off === 'function') {
    const onRejection = (e: unknown) => void seen.push(e);
    proc.on('unhandledRejection', onRejection);
    return { seen, stop: () => void proc.off!('unhandledRejection', onRejection) };
  }
  const g = globalThis as unknown as { addEventListener?: Function; removeEventListener?: Function };
  if (typeof g.addEventListener === 'function') {
    const onEvent = (ev: { reason: unknown; preventDefault(): void }) => {
      seen.push(ev.reason);
      ev.preventDefault();
    };
    g.addEventListener('unhandledrejection', onEvent);
    return { seen, stop: () => void g.removeEventListener?.('unhandledrejection', onEvent) };
  }
  return { seen, stop() {} };
}

/** One macrotask: long enough for the host to report an unhandled rejection of the last turn. */
export function macrotask(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}
