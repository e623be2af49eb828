import { BanditUpdate } from '../kernel_names.js';
import type { HostKernelConfig, SlabStorage } from '../kernel-config.js';

export interface UpdateArgs {
  /** [S, d(d+1)/2] packed A⁻¹, updated in place. */
  readonly ainv: SlabStorage;
  readonly b: SlabStorage;
  readonly theta: SlabStorage;
  readonly x: SlabStorage;
  readonly reward: SlabStorage;
  readonly slot: Int32Array;
  readonly d: number;
  /** d numbers of scratch for u = A⁻¹x. */
  readonly u: Float64Array;
}

/**
 * Rewards in batch order (a slot seen twice sees its first update): with u = A⁻¹x and s = 1 + xᵀu,
 * A⁻¹ ← A⁻¹ − uuᵀ/s (Sherman–Morrison), b ← b + r·x and θ ← θ + u·(r − xᵀθ)/s, which equals A⁻¹b
 * after the update without the O(d²) product.
 */
export function update({ ainv, b, theta, x, reward, slot, d, u }: UpdateArgs): void {
  const t = (d * (d + 1)) >> 1;
  const m = slot.length;
  for (let r = 0; r < m; r++) {
    const s = slot[r]!;
    const ao = s * t;
    const vo = s * d;
    const xo = r * d;
    u.fill(0);
    let p = ao;
    for (let i = 0; i < d; i++) {
      const xi = x[xo + i]!;
      u[i] = u[i]! + ainv[p++]! * xi;
      for (let j = i + 1; j < d; j++) {
        const a = ainv[p++]!;
        u[i] = u[i]! + a * x[xo + j]!;
        u[j] = u[j]! + a * xi;
      }
    }
    let xu = 0;
    let xt = 0;
    for (let i = 0; i < d; i++) {
      xu += x[xo + i]! * u[i]!;
      xt += x[xo + i]! * theta[vo + i]!;
    }
    const inv = 1 / (1 + xu);
    const rw = reward[r]!;
    const g = (rw - xt) * inv;
    p = ao;
    for (let i = 0; i < d; i++) {
      const ui = u[i]! * inv;
      for (let j = i; j < d; j++, p++) ainv[p] = ainv[p]! - ui * u[j]!;
      b[vo + i] = b[vo + i]! + rw * x[xo + i]!;
      theta[vo + i] = theta[vo + i]! + u[i]! * g;
    }
  }
}

export const banditUpdateConfig: HostKernelConfig<typeof BanditUpdate, UpdateArgs, void> = {
  kernelName: BanditUpdate,
  backendName: 'js-f64',
  kernelFunc: update,
};
