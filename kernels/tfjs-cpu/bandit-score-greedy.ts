import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { BanditScoreGreedy } from '../kernel_names.js';
import { fusedScoreGreedy } from '../tfjs-common/fused-math.js';
import { f32, i32 } from './storage.js';

export const banditScoreGreedyConfig: KernelConfig = {
  kernelName: BanditScoreGreedy,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend: be, attrs }) => {
    const { theta, x, slot } = inputs as Record<'theta' | 'x' | 'slot', TensorInfo>;
    const { d } = attrs as unknown as { d: number };
    const n = slot.shape[0]!;
    const out = new Float32Array(n);
    fusedScoreGreedy(f32(be, theta), f32(be, x), i32(be, slot), out, d);
    return (be as MathBackendCPU).makeTensorInfo([n], 'float32', out);
  },
};
