import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { BanditUpdate } from '../kernel_names.js';
import { fusedUpdate } from '../tfjs-common/fused-math.js';
import { f32, i32 } from './storage.js';

/** Writes into the slab's own tensors in place and outputs nothing: the slab is never re-uploaded. */
export const banditUpdateConfig: KernelConfig = {
  kernelName: BanditUpdate,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend: be, attrs }) => {
    const { ainv, b, theta, x, reward, slot } = inputs as Record<
      'ainv' | 'b' | 'theta' | 'x' | 'reward' | 'slot',
      TensorInfo
    >;
    const { d } = attrs as unknown as { d: number };
    fusedUpdate(f32(be, ainv), f32(be, b), f32(be, theta), f32(be, x), f32(be, reward), i32(be, slot), d);
    return [];
  },
};
