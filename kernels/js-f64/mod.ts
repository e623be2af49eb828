import type { BanditBackend } from '../backend.js';
import { jsF64Kernels } from './kernels.js';
import { JsF64Slab } from './slab.js';

export { JsF64Slab } from './slab.js';

/** Plain TypeScript, float64: exact to rounding against the reference, and always loadable. */
export async function load(): Promise<BanditBackend> {
  const kernels = jsF64Kernels();
  return {
    name: 'js-f64',
    precision: 'float64',
    createSlab: (d, capacity) => new JsF64Slab(d, capacity, kernels),
    dispose: async () => {},
  };
}
