import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** A tensor's float32/int32 storage as seen from host code, without a copy. */
export function f32(be: unknown, t: TensorInfo): Float32Array {
  return (be as BackendWasm).typedArrayFromHeap(t) as Float32Array;
}

export function i32(be: unknown, t: TensorInfo): Int32Array {
  return (be as BackendWasm).typedArrayFromHeap(t) as Int32Array;
}
