import { cholesky, choleskyInverse, choleskySolve } from './cholesky.js';

/** What scoring needs of a user's (A, b): θ = A⁻¹b and A⁻¹ itself. */
export interface Posterior {
  readonly d: number;
  readonly theta: Float64Array;
  /** Row-major d×d, symmetric. */
  readonly ainv: Float64Array;
}

export function posterior(a: Float64Array, b: Float64Array, d: number): Posterior {
  const l = cholesky(a, d);
  return { d, theta: choleskySolve(l, b, d), ainv: choleskyInverse(l, d) };
}

/** The posterior of a user nobody has rewarded yet: A = λI, b = 0. */
export function coldPosterior(d: number, lambda: number): Posterior {
  const ainv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) ainv[i * d + i] = 1 / lambda;
  return { d, theta: new Float64Array(d), ainv };
}
