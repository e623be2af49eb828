import type { BanditBackend } from '../backend.js';
import { compileBanditModule, instantiate } from './instance.js';
import { wasmKernels } from './kernels.js';
import { WasmSlab } from './slab.js';

export { WasmSlab } from './slab.js';

/** The same module over float32 slabs (f32x4: four rows per register); for batch work, not `auto`. */
export async function loadFloat32(): Promise<BanditBackend> {
  const module = await compileBanditModule();
  const kernels = wasmKernels();
  return {
    name: 'wasm-simd-f32',
    precision: 'float32',
    createSlab: (d, capacity) => new WasmSlab(d, capacity, instantiate(module), kernels, 'float32', module),
    dispose: async () => {},
  };
}

/** AssemblyScript compiled to WebAssembly with f64x2 SIMD: float64, no native dependency. */
export async function load(): Promise<BanditBackend> {
  const module = await compileBanditModule();
  const kernels = wasmKernels();
  return {
    name: 'wasm-simd',
    precision: 'float64',
    createSlab: (d, capacity) => new WasmSlab(d, capacity, instantiate(module), kernels, 'float64', module),
    dispose: async () => {},
  };
}
