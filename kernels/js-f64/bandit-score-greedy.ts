import { BanditScoreGreedy } from '../kernel_names.js';
import type { HostKernelConfig, SlabStorage } from '../kernel-config.js';

export interface ScoreGreedyArgs {
  readonly theta: SlabStorage;
  readonly x: SlabStorage;
  readonly slot: Int32Array;
  readonly out: SlabStorage;
  readonly d: number;
}

/** θ[slot]ᵀx per row. */
export function scoreGreedy({ theta, x, slot, out, d }: ScoreGreedyArgs): void {
  const n = slot.length;
  for (let r = 0; r < n; r++) {
    const to = slot[r]! * d;
    const xo = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += theta[to + i]! * x[xo + i]!;
    out[r] = s;
  }
}

export const banditScoreGreedyConfig: HostKernelConfig<typeof BanditScoreGreedy, ScoreGreedyArgs, void> = {
  kernelName: BanditScoreGreedy,
  backendName: 'js-f64',
  kernelFunc: scoreGreedy,
};
