import fc from 'fast-check';
import { posterior, rankOneUpdate, ridgeIdentity } from '../../kernels/reference/mod.js';

/** Users with reference (A, b) built from random reward histories, plus rows to score against them. */
export interface SlabCase {
  readonly d: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly users: { a: Float64Array; b: Float64Array }[];
  /** N rows (N·d) and whose they are. */
  readonly x: Float64Array;
  readonly slots: Int32Array;
  /** M rewards over the users, repeated users included. */
  readonly ux: Float64Array;
  readonly reward: Float64Array;
  readonly uslots: Int32Array;
}

const feature = fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true });

export function slabCase(maxUsers = 6): fc.Arbitrary<SlabCase> {
  return fc
    .record({
      d: fc.constantFrom(5, 7, 12),
      lambda: fc.constantFrom(0.5, 1, 2),
      alpha: fc.constantFrom(0, 0.5, 1, 2),
      nUsers: fc.integer({ min: 1, max: maxUsers }),
      seed: fc.integer(),
    })
    .chain(({ d, lambda, alpha, nUsers }) =>
      fc.record({
        d: fc.constant(d),
        lambda: fc.constant(lambda),
        alpha: fc.constant(alpha),
        histories: fc.array(
          fc.array(fc.tuple(fc.array(feature, { minLength: d, maxLength: d }), feature), { maxLength: 12 }),
          {
            minLength: nUsers,
            maxLength: nUsers,
          },
        ),
        rows: fc.array(fc.tuple(fc.integer({ min: 0, max: nUsers - 1 }), fc.integer({ min: 1, max: 20 })), {
          minLength: 1,
          maxLength: 8,
        }),
        rowX: fc.array(feature, { minLength: 160 * d, maxLength: 160 * d }),
        rewards: fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: nUsers - 1 }),
            fc.array(feature, { minLength: d, maxLength: d }),
            feature,
          ),
          { minLength: 1, maxLength: 30 },
        ),
      }),
    )
    .map(({ d, lambda, alpha, histories, rows, rowX, rewards }) => {
      const users = histories.map((h) => {
        const a = ridgeIdentity(d, lambda);
        const b = new Float64Array(d);
        for (const [x, r] of h) rankOneUpdate(a, b, x, r, d);
        return { a, b };
      });
      // Rows come in runs per user, as a batch of requests does: K candidates of one user together.
      const slotList: number[] = [];
      for (const [u, k] of rows) for (let i = 0; i < k; i++) slotList.push(u);
      const n = slotList.length;
      return {
        d,
        lambda,
        alpha,
        users,
        x: Float64Array.from(rowX.slice(0, n * d)),
        slots: Int32Array.from(slotList),
        ux: Float64Array.from(rewards.flatMap(([, x]) => x)),
        reward: Float64Array.from(rewards.map(([, , r]) => r)),
        uslots: Int32Array.from(rewards.map(([u]) => u)),
      };
    });
}

/** The users' posteriors laid out for Slab.write. */
export function slabInputs(c: SlabCase) {
  const { d } = c;
  const n = c.users.length;
  const ainv = new Float64Array(n * d * d);
  const theta = new Float64Array(n * d);
  const b = new Float64Array(n * d);
  c.users.forEach((u, i) => {
    const p = posterior(u.a, u.b, d);
    ainv.set(p.ainv, i * d * d);
    theta.set(p.theta, i * d);
    b.set(u.b, i * d);
  });
  return { slots: Int32Array.from(c.users.keys()), ainv, theta, b };
}

/** |got − want| relative to max(|want|, 1): scores are O(1), so tiny ones are judged absolutely. */
export function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / Math.max(Math.abs(want[i]!), 1);
    if (!(e <= worst)) worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  return worst;
}
