import { BanditScoreGreedy } from '../kernel_names.js';
import type { HostKernelConfig } from '../kernel-config.js';
import type { WasmKernelArgs } from './wasm-memory.js';

/** θᵀx, two rows per f64x2 fold; returns n, or the first row with a slot outside the slab. */
export const banditScoreGreedyConfig: HostKernelConfig<typeof BanditScoreGreedy, WasmKernelArgs, number> = {
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
      layout.capacity,
    ),
};
