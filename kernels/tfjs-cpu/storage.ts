import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** A tensor's float32/int32 storage as seen from host code, without a copy. */
export function f32(be: unknown, t: TensorInfo): Float32Array {
  return (be as MathBackendCPU).data.get(t.dataId)!.values as Float32Array;
}

export function i32(be: unknown, t: TensorInfo): Int32Array {
  return (be as MathBackendCPU).data.get(t.dataId)!.values as Int32Array;
}
