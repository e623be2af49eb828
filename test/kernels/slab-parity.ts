/**
 * Shared by the backend parity tests: random bandit states and batches from a seed, the float64
 * reference applied to them, and the tolerances a float32 backend is held to.
 */
import { expect } from 'vitest';
import type { Slab } from '../../kernels/backend.js';
import { scoreGreedy, scoreLinUCB } from '../../kernels/reference/mod.js';
import type { ReferenceUsers } from '../../kernels/reference/seeded.js';

// One home for the seeded generator and the float64 users, shared with bench/.
export { features, ReferenceUsers, rng } from '../../kernels/reference/seeded.js';

/** float32 backends: error ≤ 1e-4 of the magnitude of what was summed (see docs/kernels.md, "Backends and images"). */
export const REL_TOL = 1e-4;
/** Below float32's smallest normal number (1.2e-38) nothing can be told apart: e.g. α = 1e-323. */
export const ABS_FLOOR = 1e-37;

/** Writes `ref`'s users into `slab` (user s at slot s), runs `body` with their slots, then disposes the slab. */
export async function withReferenceSlab(
  slab: Slab,
  ref: ReferenceUsers,
  body: (slots: Int32Array) => Promise<void>,
): Promise<void> {
  try {
    const p = ref.packed();
    await slab.write(p.slots, p.ainv, p.theta, p.b);
    await body(p.slots);
  } finally {
    slab.dispose();
  }
}

/** Per row: the reference score and the magnitude of its summands, Σ|θᵢxᵢ| + α√(Σ|A⁻¹ᵢⱼxᵢxⱼ|). */
export function referenceScores(
  users: ReferenceUsers,
  x: Float64Array,
  slots: Int32Array,
  alpha: number | null,
): { want: Float64Array; scale: Float64Array } {
  const { d } = users;
  const want = new Float64Array(slots.length);
  const scale = new Float64Array(slots.length);
  slots.forEach((s, n) => {
    const p = users.post(s);
    const row = x.subarray(n * d, (n + 1) * d);
    want[n] = (alpha === null ? scoreGreedy(p, row, 1) : scoreLinUCB(p, row, 1, alpha))[0]!;
    let m = 0;
    let q = 0;
    for (let i = 0; i < d; i++) {
      m += Math.abs(p.theta[i]! * row[i]!);
      for (let j = 0; j < d; j++) q += Math.abs(p.ainv[i * d + j]! * row[i]! * row[j]!);
    }
    scale[n] = m + (alpha === null ? 0 : alpha * Math.sqrt(q));
  });
  return { want, scale };
}

export function expectScoresClose(got: Float64Array, want: Float64Array, scale: Float64Array): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let n = 0; n < want.length; n++) {
    const diff = Math.abs(got[n]! - want[n]!);
    const err = diff <= ABS_FLOOR ? 0 : diff / scale[n]!;
    if (!(err <= worst)) {
      worst = err;
      at = n;
    }
  }
  expect(worst, `row ${at}: got ${got[at]}, want ${want[at]}`).toBeLessThanOrEqual(REL_TOL);
}

/** Rows come in blocks of k candidates of one user: the chosen one must match unless it is a near tie. */
export function expectSameChoice(
  got: Float64Array,
  want: Float64Array,
  scale: Float64Array,
  k: number,
): void {
  for (let start = 0; start < want.length; start += k) {
    let g = start;
    let w = start;
    for (let n = start; n < start + k; n++) {
      if (got[n]! > got[g]!) g = n;
      if (want[n]! > want[w]!) w = n;
    }
    if (g !== w) {
      const tie = 2 * REL_TOL * Math.max(scale[g]!, scale[w]!) + ABS_FLOOR;
      expect(want[w]! - want[g]!, `block at ${start}: chose ${g}, reference ${w}`).toBeLessThanOrEqual(tie);
    }
  }
}

/** Slab contents against the reference users, norm-wise per user. */
export async function expectSlabMatches(slab: Slab, users: ReferenceUsers, slots: Int32Array): Promise<void> {
  const { d } = users;
  const got = await slab.read(slots);
  slots.forEach((s, k) => {
    const p = users.post(s);
    const b = users.b[s]!;
    const maxAbs = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));
    const errA = maxAbs(p.ainv.map((v, i) => v - got.ainv[k * d * d + i]!));
    expect(errA / maxAbs(p.ainv), `A⁻¹ of slot ${s}`).toBeLessThanOrEqual(REL_TOL);
    const errB = maxAbs(b.map((v, i) => v - got.b[k * d + i]!));
    expect(errB / Math.max(maxAbs(b), 1e-30), `b of slot ${s}`).toBeLessThanOrEqual(REL_TOL);
    let thetaScale = 0;
    for (let i = 0; i < d; i++) {
      let row = 0;
      for (let j = 0; j < d; j++) row += Math.abs(p.ainv[i * d + j]! * b[j]!);
      thetaScale = Math.max(thetaScale, row);
    }
    const errT = maxAbs(p.theta.map((v, i) => v - got.theta[k * d + i]!));
    expect(errT / Math.max(thetaScale, 1e-30), `θ of slot ${s}`).toBeLessThanOrEqual(REL_TOL);
  });
}
