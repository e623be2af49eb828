/**
 * TF.js on libtensorflow: @tensorflow/tfjs-node-gpu (CUDA) when it loads, else @tensorflow/tfjs-node
 * (CPU). Both are optionalDependencies whose install scripts download libtensorflow; where that
 * failed (as on the development machine, which has no network for it) they are absent and `load()`
 * rejects with the reason for each. The kernels are composed native ops (ComposedSlab): libtensorflow
 * already runs gather/batched matMul as fused native loops, and TF.js cannot register new native ops.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { BanditBackend, Slab } from '../backend.js';
import { ComposedSlab } from './composed-slab.js';

export { ComposedSlab } from './composed-slab.js';

export type NodePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export interface LoadOptions {
  /** Packages to try, in order (default: GPU first, then CPU). */
  packages?: NodePackage[];
}

const BACKEND_NAMES: Record<NodePackage, string> = {
  '@tensorflow/tfjs-node-gpu': 'tfjs-node-gpu',
  '@tensorflow/tfjs-node': 'tfjs-node',
};

export async function load(opts: LoadOptions = {}): Promise<BanditBackend> {
  const packages = opts.packages ?? ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
  const reasons: string[] = [];
  for (const pkg of packages) {
    try {
      // A variable specifier: the packages are optional and usually absent, so nothing may resolve them
      // at build time.
      const spec: string = pkg;
      const mod = (await import(spec)) as { default?: unknown } & Partial<typeof TF>;
      const tf = (typeof mod.tensor === 'function' ? mod : mod.default) as typeof TF;
      await tf.setBackend('tensorflow');
      await tf.ready();
      return new TfjsNodeBackend(tf, BACKEND_NAMES[pkg]);
    } catch (err) {
      reasons.push(`${pkg}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new Error(`tfjs-node: no libtensorflow binding can be loaded (${reasons.join('; ')})`);
}

export class TfjsNodeBackend implements BanditBackend {
  readonly precision = 'float32' as const;
  constructor(
    private readonly tf: typeof TF,
    readonly name: string,
  ) {}

  createSlab(d: number, capacity: number): Slab {
    return new ComposedSlab(this.tf, d, capacity);
  }

  async dispose(): Promise<void> {}
}
