import { BanditScoreUCB } from '../kernel_names.js';
import type { HostKernelConfig } from '../kernel-config.js';
import type { WasmKernelArgs } from './wasm-memory.js';

/** LinUCB over the slab in wasm memory; rows of one slot go four per pair of f64x2 registers
 * (float64) or four per f32x4 register (float32). Returns n, or the first row with a slot outside the slab. */
export const banditScoreUCBConfig: HostKernelConfig<
  typeof BanditScoreUCB,
  WasmKernelArgs & { alpha: number },
  number
> = {
  kernelName: BanditScoreUCB,
  backendName: 'wasm-simd',
  kernelFunc: ({ wasm, layout, io, n, alpha }) =>
    (layout.elem === 8 ? wasm.scoreUCB : wasm.scoreUCB32)(
      layout.ainv,
      layout.theta,
      io.x,
      io.slot,
      io.out,
      n,
      layout.d,
      alpha,
      layout.scratch,
      layout.capacity,
    ),
};
