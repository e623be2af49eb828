import { BanditScoreUCB } from '../kernel_names.js';
import type { HostKernelConfig, SlabStorage } from '../kernel-config.js';

export interface ScoreUCBArgs {
  /** [S, d(d+1)/2] packed A⁻¹. */
  readonly ainv: SlabStorage;
  readonly theta: SlabStorage;
  readonly x: SlabStorage;
  readonly slot: Int32Array;
  readonly out: SlabStorage;
  readonly alpha: number;
  readonly d: number;
}

/**
 * θᵀx + α·√(xᵀA⁻¹x) over the packed upper triangle: xᵀA⁻¹x = Σᵢ xᵢ(aᵢᵢxᵢ + 2Σⱼ₍ⱼ>ᵢ₎ aᵢⱼxⱼ).
 * Rows of one user are usually adjacent, so the slot's 78 numbers stay in L1 across its candidates.
 */
export function scoreUCB({ ainv, theta, x, slot, out, alpha, d }: ScoreUCBArgs): void {
  const t = (d * (d + 1)) >> 1;
  const n = slot.length;
  for (let r = 0; r < n; r++) {
    const s = slot[r]!;
    const ao = s * t;
    const to = s * d;
    const xo = r * d;
    let mean = 0;
    let quad = 0;
    let p = ao;
    for (let i = 0; i < d; i++) {
      const xi = x[xo + i]!;
      mean += theta[to + i]! * xi;
      const diag = ainv[p++]! * xi;
      let off = 0;
      for (let j = i + 1; j < d; j++) off += ainv[p++]! * x[xo + j]!;
      quad += xi * (diag + 2 * off);
    }
    out[r] = mean + alpha * Math.sqrt(Math.max(quad, 0));
  }
}

export const banditScoreUCBConfig: HostKernelConfig<typeof BanditScoreUCB, ScoreUCBArgs, void> = {
  kernelName: BanditScoreUCB,
  backendName: 'js-f64',
  kernelFunc: scoreUCB,
};
