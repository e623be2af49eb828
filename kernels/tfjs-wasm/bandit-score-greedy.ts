import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { BanditScoreGreedy } from '../kernel_names.js';
import { fusedScoreGreedy } from '../tfjs-common/fused-math.js';
import { f32, i32 } from './storage.js';

export const banditScoreGreedyConfig: KernelConfig = {
  kernelName: BanditScoreGreedy,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: be, attrs }) => {
    const { theta, x, slot } = inputs as Record<'theta' | 'x' | 'slot', TensorInfo>;
    const { d } = attrs as unknown as { d: number };
    const n = slot.shape[0]!;
    const info = (be as BackendWasm).makeOutput([n], 'float32');
    const out = (be as BackendWasm).typedArrayFromHeap(info) as Float32Array;
    fusedScoreGreedy(f32(be, theta), f32(be, x), i32(be, slot), out, d);
    return info;
  },
};
