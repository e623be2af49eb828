import type { BanditBackend } from '../backend.js';
import { compileBanditModule, instantiate } from './instance.js';
import { wasmKernels } from './kernels.js';
import { WasmSlab } from './slab.js';

export { WasmSlab } from './slab.js';

/** AssemblyScript compiled to WebAssembly with f64x2 SIMD: float64, no native dependency. */
export async function load(): Promise<BanditBackend> {
  const module = await compileBanditModule();
  const kernels = wasmKernels();
  return {
    name: 'wasm-simd',
    precision: 'float64',
    createSlab: (d, capacity) => new WasmSlab(d, capacity, instantiate(module), kernels),
    dispose: async () => {},
  };
}
