import { BanditUpdate } from '../kernel_names.js';
import type { HostKernelConfig } from '../kernel-config.js';
import type { WasmKernelArgs } from './wasm-memory.js';

/** Sherman–Morrison rank-one updates in batch order, in place in the slab. */
export const banditUpdateConfig: HostKernelConfig<typeof BanditUpdate, WasmKernelArgs, void> = {
  kernelName: BanditUpdate,
  backendName: 'wasm-simd',
  kernelFunc: ({ wasm, layout, io, n }) =>
    (layout.elem === 8 ? wasm.update : wasm.update32)(
      layout.ainv,
      layout.b,
      layout.theta,
      io.x,
      io.reward,
      io.slot,
      n,
      layout.d,
      layout.scratch,
    ),
};
