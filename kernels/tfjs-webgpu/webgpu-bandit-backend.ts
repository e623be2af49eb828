import type * as TF from '@tensorflow/tfjs-core';
import type { BanditBackend, Slab } from '../backend.js';
import { WebGPUSlab } from './webgpu-slab.js';

type Tf = typeof TF;

/** BanditBackend over tfjs's 'webgpu' backend with the fused WGSL kernels registered. */
export class WebGPUBanditBackend implements BanditBackend {
  readonly name: string;
  readonly precision = 'float32' as const;
  /** e.g. "software: llvmpipe … OpenGL ES 3.2 Mesa" — for logs and /health. */
  readonly adapter: string;
  /** A registry choosing the fastest backend should not prefer WebGPU on a software rasterizer. */
  readonly adapterKind: 'hardware' | 'software';
  private readonly tf: Tf;
  private readonly maxBindingBytes: number;
  private readonly slabs = new Set<WebGPUSlab>();

  constructor(tf: Tf, adapter: string, maxBindingBytes: number) {
    this.tf = tf;
    this.name = 'tfjs-webgpu';
    this.adapter = adapter;
    this.adapterKind = adapter.startsWith('hardware') ? 'hardware' : 'software';
    this.maxBindingBytes = maxBindingBytes;
  }

  /**
   * tfjs has one active backend per process; another backend (cpu, wasm) may have been made active
   * since this one loaded, so every slab call makes 'webgpu' active first (a no-op when it is).
   */
  readonly ensureActive = async (): Promise<void> => {
    if (this.tf.getBackend() !== 'webgpu') await this.tf.setBackend('webgpu');
  };

  createSlab(d: number, capacity: number): Slab {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be ≥ 1, not ${capacity}`);
    const bytes = capacity * d * d * 4;
    if (bytes > this.maxBindingBytes) {
      throw new RangeError(
        `a slab of ${capacity} users at d=${d} needs ${bytes} bytes in one binding; this adapter allows ${this.maxBindingBytes}`,
      );
    }
    const slab = new WebGPUSlab(this.tf, this.ensureActive, d, capacity);
    this.slabs.add(slab);
    const dispose = slab.dispose.bind(slab);
    slab.dispose = () => {
      this.slabs.delete(slab);
      dispose();
    };
    return slab;
  }

  async dispose(): Promise<void> {
    for (const slab of [...this.slabs]) slab.dispose();
  }
}
