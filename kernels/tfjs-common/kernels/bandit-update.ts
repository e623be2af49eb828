import type { KernelConfig } from '@tensorflow/tfjs-core';
import { BanditUpdate, type BanditUpdateAttrs, type BanditUpdateInputs } from '../../kernel_names.js';
import { fusedUpdate } from '../fused-math.js';
import type { HostTensorStorage } from '../host-storage.js';

/** Writes into the slab's own tensors in place and outputs nothing: the slab is never re-uploaded. */
export function banditUpdateConfig(storage: HostTensorStorage): KernelConfig {
  return {
    kernelName: BanditUpdate,
    backendName: storage.backendName,
    kernelFunc: ({ inputs, backend: be, attrs }) => {
      const { ainv, b, theta, x, reward, slot } = inputs as unknown as BanditUpdateInputs;
      const { d } = attrs as unknown as BanditUpdateAttrs;
      const { f32, i32 } = storage;
      fusedUpdate(f32(be, ainv), f32(be, b), f32(be, theta), f32(be, x), f32(be, reward), i32(be, slot), d);
      return [];
    },
  };
}
