/**
 * Hostile values through another thread's submissions (issue 14; test/hostile.test.ts has the rest).
 * @needs shared — ports live in SharedArrayBuffers
 */
// proves: §8.1
import { describe, expect, it } from 'vitest';
import { connect } from '../bindings/index.js';
import { CORES, vloop } from './helpers.js';

describe.each(CORES)('hostile values across threads (%s core)', (core) => {
  it('runThreadsafe of a function whose task throws null is answered with that failure (exception() alone cannot tell it from a result)', async () => {
    const loop = vloop(core);
    loop.expose('fails', function* () {
      yield;
      throw null;
    });
    loop.expose('returns', function* () {
      yield;
      return null;
    });
    const r = connect(loop.port());
    const failed = r.runThreadsafe('fails').then((v) => ['ok', v], (e: unknown) => ['err', e]);
    const returned = r.runThreadsafe('returns').then((v) => ['ok', v], (e: unknown) => ['err', e]);
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(await failed).toEqual(['err', null]);
    expect(await returned).toEqual(['ok', null]);
    loop.close();
  });
});
