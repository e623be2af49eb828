import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  posterior,
  rankOneUpdate,
  ridgeIdentity,
  scoreGreedy,
  scoreLinUCB,
} from '../../kernels/reference/mod.js';
import { numpy } from '../helpers/numpy.js';

interface Oracle {
  A: number[][];
  b: number[];
  theta: number[];
  ucb: number[];
  greedy: number[];
}

/** max |got − want| / max(|want|, floor): relative error that stays meaningful near zero. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>, floor = 1e-12): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    worst = Math.max(worst, Math.abs(got[i]! - w) / Math.max(Math.abs(w), floor));
  }
  return worst;
}

/** mulberry32: a seeded stream in [-1, 1), so one fast-check integer fixes a whole 1,000-update case. */
function uniform(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r ^= r + Math.imul(r ^ (r >>> 7), 61 | r);
    return (((r ^ (r >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

const caseArb = fc
  .record({
    d: fc.constantFrom(5, 7, 12),
    lambda: fc.double({ min: 0.05, max: 5, noNaN: true }),
    alpha: fc.double({ min: 0, max: 3, noNaN: true }),
    seed: fc.integer(),
  })
  .map(({ d, lambda, alpha, seed }) => {
    // Feature-like rows: mostly in [-1, 1], a few columns constant-ish, as real features are.
    const next = uniform(seed);
    const updates = Array.from({ length: 1000 }, () => {
      const row = Array.from({ length: d }, next);
      return [...row, Math.round(next())];
    });
    const queries = Array.from({ length: 20 }, () => Array.from({ length: d }, next));
    return { d, lambda, alpha, updates, queries };
  });

describe('float64 reference math (CONTRACT §3) against numpy', () => {
  it('θ, UCB and greedy scores match numpy to 1e-9 relative after 1,000 updates', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const a = ridgeIdentity(c.d, c.lambda);
        const b = new Float64Array(c.d);
        for (const row of c.updates) rankOneUpdate(a, b, row, row[c.d]!, c.d);
        const p = posterior(a, b, c.d);
        const x = Float64Array.from(c.queries.flat());
        const want = numpy<Oracle>('bandit.py', c);

        expect(relErr(a, want.A.flat())).toBeLessThan(1e-12);
        expect(relErr(b, want.b)).toBeLessThan(1e-12);
        expect(relErr(p.theta, want.theta, 1e-6)).toBeLessThan(1e-9);
        expect(relErr(scoreLinUCB(p, x, 20, c.alpha), want.ucb, 1e-6)).toBeLessThan(1e-9);
        expect(relErr(scoreGreedy(p, x, 20), want.greedy, 1e-6)).toBeLessThan(1e-9);
      }),
      { numRuns: 12 },
    );
  });

  it('reads only the first d columns of a wider row (one 12-wide row serves every policy)', () => {
    const p = posterior(ridgeIdentity(5, 1), new Float64Array([1, 2, 3, 4, 5]), 5);
    const wide = new Float64Array(24).map((_, i) => (i % 12 < 5 ? 1 : 1e9));
    const narrow = new Float64Array(10).fill(1);
    expect(Array.from(scoreLinUCB(p, wide, 2, 1, 12))).toEqual(Array.from(scoreLinUCB(p, narrow, 2, 1, 5)));
    expect(Array.from(scoreGreedy(p, wide, 2, 12))).toEqual(Array.from(scoreGreedy(p, narrow, 2, 5)));
  });

  it('a cold user scores θᵀx = 0 and a bonus of α‖x‖/√λ', () => {
    const p = posterior(ridgeIdentity(5, 4), new Float64Array(5), 5);
    const x = new Float64Array([3, 4, 0, 0, 0]);
    expect(scoreGreedy(p, x, 1)[0]).toBe(0);
    expect(scoreLinUCB(p, x, 1, 2)[0]).toBeCloseTo((2 * 5) / 2, 14);
  });
});
