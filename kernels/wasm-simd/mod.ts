import type { BanditBackend, Precision } from '../backend.js';
import { compileBanditModule, instantiate } from './instance.js';
import { wasmKernels } from './kernels.js';
import { WasmSlab } from './slab.js';

export { WasmSlab } from './slab.js';

/** AssemblyScript compiled to WebAssembly with f64x2 SIMD: float64, no native dependency. */
export function load(): Promise<BanditBackend> {
  return loadWith('wasm-simd', 'float64');
}

/** The same module over float32 slabs (f32x4: four rows per register); for batch work, not `auto`. */
export function loadFloat32(): Promise<BanditBackend> {
  return loadWith('wasm-simd-f32', 'float32');
}

async function loadWith(name: string, precision: Precision): Promise<BanditBackend> {
  const module = await compileBanditModule();
  const kernels = wasmKernels();
  return {
    name,
    precision,
    createSlab: (d, capacity) => new WasmSlab(d, capacity, instantiate(module), kernels, precision, module),
    dispose: async () => {},
  };
}
