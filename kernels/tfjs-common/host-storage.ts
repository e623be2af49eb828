import type { TensorInfo } from '@tensorflow/tfjs-core';

/**
 * How a TF.js backend whose kernels run in host code exposes its tensors: the cpu backend keeps
 * typed arrays in its data map, the wasm backend views its heap. The fused kernels in `kernels/` are
 * written once against this and registered for each such backend.
 */
export interface HostTensorStorage {
  readonly backendName: 'cpu' | 'wasm';
  f32(be: unknown, t: TensorInfo): Float32Array;
  i32(be: unknown, t: TensorInfo): Int32Array;
  /** A new float32 output of n numbers, and its storage to write into. */
  output(be: unknown, n: number): { info: TensorInfo; values: Float32Array };
}
