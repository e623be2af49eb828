import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { BanditScoreUCB } from '../kernel_names.js';
import { fusedScoreUCB } from '../tfjs-common/fused-math.js';
import { f32, i32 } from './storage.js';

/** One fused op instead of the gather/matMul/mul/sum/sqrt chain that composing TF.js ops takes. */
export const banditScoreUCBConfig: KernelConfig = {
  kernelName: BanditScoreUCB,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: be, attrs }) => {
    const { ainv, theta, x, slot } = inputs as Record<'ainv' | 'theta' | 'x' | 'slot', TensorInfo>;
    const { alpha, d } = attrs as unknown as { alpha: number; d: number };
    const n = slot.shape[0]!;
    const info = (be as BackendWasm).makeOutput([n], 'float32');
    const out = (be as BackendWasm).typedArrayFromHeap(info) as Float32Array;
    fusedScoreUCB(f32(be, ainv), f32(be, theta), f32(be, x), i32(be, slot), out, alpha, d);
    return info;
  },
};
