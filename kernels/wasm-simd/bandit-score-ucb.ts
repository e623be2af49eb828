import { BanditScoreUCB } from '../kernel_names.js';
import type { KernelConfig } from '../kernel-config.js';
import type { WasmKernelArgs } from './wasm-memory.js';

/** LinUCB over the slab in wasm memory; rows of one slot go four per pair of f64x2 registers. */
export const banditScoreUCBConfig: KernelConfig<
  typeof BanditScoreUCB,
  WasmKernelArgs & { alpha: number },
  void
> = {
  kernelName: BanditScoreUCB,
  backendName: 'wasm-simd',
  kernelFunc: ({ wasm, layout, io, n, alpha }) =>
    wasm.scoreUCB(layout.ainv, layout.theta, io.x, io.slot, io.out, n, layout.d, alpha, layout.scratch),
};
