import type { KernelConfig } from '@tensorflow/tfjs-core';
import {
  BanditScoreGreedy,
  type BanditScoreGreedyAttrs,
  type BanditScoreGreedyInputs,
} from '../../kernel_names.js';
import { fusedScoreGreedy } from '../fused-math.js';
import type { HostTensorStorage } from '../host-storage.js';

export function banditScoreGreedyConfig(storage: HostTensorStorage): KernelConfig {
  return {
    kernelName: BanditScoreGreedy,
    backendName: storage.backendName,
    kernelFunc: ({ inputs, backend: be, attrs }) => {
      const { theta, x, slot } = inputs as unknown as BanditScoreGreedyInputs;
      const { d } = attrs as unknown as BanditScoreGreedyAttrs;
      const { info, values } = storage.output(be, slot.shape[0]!);
      fusedScoreGreedy(storage.f32(be, theta), storage.f32(be, x), storage.i32(be, slot), values, d);
      return info;
    },
  };
}
