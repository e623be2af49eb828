import { BanditScoreGreedy } from '../kernel_names.js';
import type { HostKernelConfig } from '../kernel-config.js';
import type { WasmKernelArgs } from './wasm-memory.js';

/** θᵀx, two features per f64x2. */
export const banditScoreGreedyConfig: HostKernelConfig<typeof BanditScoreGreedy, WasmKernelArgs, void> = {
  kernelName: BanditScoreGreedy,
  backendName: 'wasm-simd',
  kernelFunc: ({ wasm, layout, io, n }) =>
    (layout.elem === 8 ? wasm.scoreGreedy : wasm.scoreGreedy32)(
      layout.theta,
      io.x,
      io.slot,
      io.out,
      n,
      layout.d,
    ),
};
