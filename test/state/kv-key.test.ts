import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKeyToken, docKeyOf, encodeKeyToken, kvKeyOf } from '../../src/state/kv-key.js';
import { USER_ID_PATTERN } from '../../src/state/user-id.js';

const KV_KEY = /^[-/=.\w]+$/;
const userId = fc.stringMatching(/^[A-Za-z0-9._@:-]{1,128}$/).filter((s) => USER_ID_PATTERN.test(s));

describe('KV key encoding', () => {
  it('round-trips every user id through a valid KV key of one token after the doc kind', () => {
    fc.assert(
      fc.property(userId, fc.constantFrom('linucb_v1', 'egreedy_v1', 'egreedy_v2', 'sync'), (user, doc) => {
        const k = kvKeyOf({ user, doc });
        expect(k).toMatch(KV_KEY);
        expect(k.split('.')).toHaveLength(2);
        expect(docKeyOf(k)).toEqual({ user, doc });
      }),
      { numRuns: 500 },
    );
  });

  it('is reversible for any string, escapes included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (s) => {
        const t = encodeKeyToken(s);
        expect(t).toMatch(/^[-=\w]+$/);
        expect(decodeKeyToken(t)).toBe(s);
      }),
    );
    expect(encodeKeyToken('a.b@c:d=e')).toBe('a=2Eb=40c=3Ad=3De');
  });

  it('rejects keys that no document has', () => {
    expect(docKeyOf('corrupt.linucb_v1.u.123')).toBeNull();
    expect(docKeyOf('linucb_v1.a=2')).toBeNull();
    expect(docKeyOf('linucb_v1.a=2e')).toBeNull();
    expect(docKeyOf('other.u1')).toBeNull();
  });
});
