/**
 * What `import … from 'vitest'` resolves to when the conformance suite runs outside Node (Bun,
 * Deno, Chromium): vitest's own runner (`@vitest/runner`: describe/it/each/hooks, the same
 * collection and the same semantics) and vitest's own `expect` (`@vitest/expect` over chai, set up
 * as vitest sets it up), without vitest's Node-side machinery. Only what the suite uses is here;
 * anything else fails to bundle, loudly.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, getCurrentTest, it, suite, test } from '@vitest/runner';
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  chai,
  getState,
  setState,
} from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

type Expect = typeof import('vitest').expect;

function createExpect(): Expect {
  const expect: any = (value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect);
    setState({ assertionCalls: assertionCalls + 1 }, expect);
    const assertion: any = chai.expect(value, message);
    const current = getCurrentTest();
    return current ? assertion.withTest(current) : assertion;
  };
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as any)[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect);
  expect.setState = (state: object) => setState(state, expect);
  setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null }, expect);
  expect.extend = (matchers: object) => (chai.expect as any).extend(expect, matchers);
  expect.unreachable = (message?: string) => chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`);
  return expect as Expect;
}

export const expect = createExpect();
Object.defineProperty(globalThis, GLOBAL_EXPECT, { value: expect, writable: true, configurable: true });

export { afterAll, afterEach, beforeAll, beforeEach, describe, it, suite, test };

// type-level assertions: checked by `npm run typecheck`; at run time they only have to exist
export { expectTypeOf } from 'expect-type';
