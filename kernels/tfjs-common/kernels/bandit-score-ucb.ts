import type { KernelConfig } from '@tensorflow/tfjs-core';
import { BanditScoreUCB, type BanditScoreUCBAttrs, type BanditScoreUCBInputs } from '../../kernel_names.js';
import { fusedScoreUCB } from '../fused-math.js';
import type { HostTensorStorage } from '../host-storage.js';

/** One fused op instead of the gather/matMul/mul/sum/sqrt chain that composing TF.js ops takes. */
export function banditScoreUCBConfig(storage: HostTensorStorage): KernelConfig {
  return {
    kernelName: BanditScoreUCB,
    backendName: storage.backendName,
    kernelFunc: ({ inputs, backend: be, attrs }) => {
      const { ainv, theta, x, slot } = inputs as unknown as BanditScoreUCBInputs;
      const { alpha, d } = attrs as unknown as BanditScoreUCBAttrs;
      const { info, values } = storage.output(be, slot.shape[0]!);
      const { f32, i32 } = storage;
      fusedScoreUCB(f32(be, ainv), f32(be, theta), f32(be, x), i32(be, slot), values, alpha, d);
      return info;
    },
  };
}
