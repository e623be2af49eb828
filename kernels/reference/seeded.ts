/**
 * Seeded inputs for the float64 reference: a reproducible generator, features as the service makes
 * them, and users' (A, b) built from random rewards. Shared by the backend parity tests (test/kernels)
 * and the kernel benchmarks (bench/), so both exercise the same states.
 */
import { posterior } from './posterior.js';
import { rankOneUpdate, ridgeIdentity } from './update.js';

/** mulberry32: a small, fast generator of numbers in [0, 1), the same sequence for the same seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Features as the service makes them: within [-1, 1]. */
export function features(next: () => number, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => next() * 2 - 1);
}

/** Users' (A, b) in float64, as the service holds them; the slab gets their posteriors. */
export class ReferenceUsers {
  readonly a: Float64Array[] = [];
  readonly b: Float64Array[] = [];
  constructor(
    readonly d: number,
    users: number,
    next: () => number,
    priorRewards: number,
  ) {
    for (let s = 0; s < users; s++) {
      const a = ridgeIdentity(d, 1);
      const b = new Float64Array(d);
      const k = Math.floor(next() * (priorRewards + 1));
      for (let i = 0; i < k; i++) rankOneUpdate(a, b, features(next, d), next() * 2 - 1, d);
      this.a.push(a);
      this.b.push(b);
    }
  }

  post(s: number) {
    return posterior(this.a[s]!, this.b[s]!, this.d);
  }

  /** All users' posteriors, flattened for Slab.write. */
  packed(): { slots: Int32Array; ainv: Float64Array; theta: Float64Array; b: Float64Array } {
    const { d } = this;
    const n = this.a.length;
    const ainv = new Float64Array(n * d * d);
    const theta = new Float64Array(n * d);
    const b = new Float64Array(n * d);
    for (let s = 0; s < n; s++) {
      const p = this.post(s);
      ainv.set(p.ainv, s * d * d);
      theta.set(p.theta, s * d);
      b.set(this.b[s]!, s * d);
    }
    return { slots: Int32Array.from({ length: n }, (_, i) => i), ainv, theta, b };
  }

  update(x: Float64Array, reward: Float64Array, slots: Int32Array): void {
    const { d } = this;
    slots.forEach((s, i) => {
      rankOneUpdate(this.a[s]!, this.b[s]!, x.subarray(i * d, (i + 1) * d), reward[i]!, d);
    });
  }
}
