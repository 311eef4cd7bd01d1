/** The portable entry alone: no host I/O is loaded, and the loop says what to import. */
// proves: §7.1
import { expect, it } from 'vitest';
import { NotImplementedError, newEventLoop } from '../bindings/index.js';

it('without wasmloop/node the loop I/O methods throw NotImplementedError naming the module to import', () => {
  const loop = newEventLoop({ core: 'js' });
  expect(() => loop.createConnection(() => ({}), '127.0.0.1', 1)).toThrow(NotImplementedError);
  expect(() => loop.createServer(() => ({}), null, 0)).toThrow(/import 'wasmloop\/node'/);
  expect(() => loop.getaddrinfo('localhost', 80)).toThrow(/import 'wasmloop\/node'/);
  expect(() => loop.addSignalHandler('SIGINT', () => {})).toThrow(NotImplementedError);
  expect(() => loop.addReader()).toThrow(/completion-based/);
  loop.close();
});
