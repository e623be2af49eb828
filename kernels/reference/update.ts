/** A ← A + xxᵀ, b ← b + r·x, in place (CONTRACT §3). `x` holds at least d numbers; the rest are ignored. */
export function rankOneUpdate(
  a: Float64Array,
  b: Float64Array,
  x: ArrayLike<number>,
  r: number,
  d: number,
): void {
  for (let i = 0; i < d; i++) {
    const xi = x[i]!;
    b[i] = b[i]! + r * xi;
    const row = i * d;
    for (let j = 0; j < d; j++) a[row + j] = a[row + j]! + xi * x[j]!;
  }
}

/** λI as a row-major d×d matrix. */
export function ridgeIdentity(d: number, lambda: number): Float64Array {
  const a = new Float64Array(d * d);
  for (let i = 0; i < d; i++) a[i * d + i] = lambda;
  return a;
}
