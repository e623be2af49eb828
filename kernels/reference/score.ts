import type { Posterior } from './posterior.js';

/**
 * Float64 reference scores for K candidates of one user. `x` is row-major K×stride; only the first
 * `p.d` columns of each row are read, so one 12-wide feature row serves every policy.
 */
export function scoreGreedy(p: Posterior, x: Float64Array, k: number, stride: number = p.d): Float64Array {
  const { d, theta } = p;
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const o = c * stride;
    let s = 0;
    for (let i = 0; i < d; i++) s += theta[i]! * x[o + i]!;
    out[c] = s;
  }
  return out;
}

/** θᵀx + α·√(xᵀA⁻¹x), the LinUCB upper confidence bound. */
export function scoreLinUCB(
  p: Posterior,
  x: Float64Array,
  k: number,
  alpha: number,
  stride: number = p.d,
): Float64Array {
  const { d, theta, ainv } = p;
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const o = c * stride;
    let mean = 0;
    let quad = 0;
    for (let i = 0; i < d; i++) {
      const xi = x[o + i]!;
      mean += theta[i]! * xi;
      let row = 0;
      for (let j = 0; j < d; j++) row += ainv[i * d + j]! * x[o + j]!;
      quad += xi * row;
    }
    // A⁻¹ is positive definite, so quad ≥ 0 up to rounding; never take the root of a tiny negative.
    out[c] = mean + alpha * Math.sqrt(Math.max(quad, 0));
  }
  return out;
}
