/**
 * Dense symmetric positive-definite algebra for the small d (≤ 12) of the policies, in float64.
 * Matrices are row-major Float64Array(d*d). A = λI + Σ xxᵀ is SPD for λ > 0, so Cholesky never pivots;
 * it is also the most accurate of the cheap factorizations for this shape.
 */

/** Lower-triangular L with A = L·Lᵀ, written into `out`. Throws if A is not positive definite. */
export function cholesky(
  a: Float64Array,
  d: number,
  out: Float64Array = new Float64Array(d * d),
): Float64Array {
  out.fill(0);
  for (let j = 0; j < d; j++) {
    let diag = a[j * d + j]!;
    for (let k = 0; k < j; k++) diag -= out[j * d + k]! * out[j * d + k]!;
    if (!(diag > 0)) throw new RangeError('matrix is not positive definite');
    const ljj = Math.sqrt(diag);
    out[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= out[i * d + k]! * out[j * d + k]!;
      out[i * d + j] = s / ljj;
    }
  }
  return out;
}

/** Solves A·x = b given A's Cholesky factor L. */
export function choleskySolve(l: Float64Array, b: ArrayLike<number>, d: number): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * y[k]!;
    y[i] = s / l[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * x[k]!;
    x[i] = s / l[i * d + i]!;
  }
  return x;
}

/** A⁻¹ from A's Cholesky factor, exactly symmetric (the upper half mirrors the lower). */
export function choleskyInverse(l: Float64Array, d: number): Float64Array {
  // W = L⁻¹ (lower triangular), then A⁻¹ = Wᵀ·W.
  const w = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    w[j * d + j] = 1 / l[j * d + j]!;
    for (let i = j + 1; i < d; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * d + k]! * w[k * d + j]!;
      w[i * d + j] = s / l[i * d + i]!;
    }
  }
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < d; k++) s += w[k * d + i]! * w[k * d + j]!;
      inv[i * d + j] = s;
      inv[j * d + i] = s;
    }
  }
  return inv;
}
