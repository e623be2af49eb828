import type { TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The part of tfjs-backend-webgpu's WebGPUBackend the kernels use, typed from its declarations so
 * that importing a kernel file never evaluates the backend package (that needs `navigator.gpu`).
 */
export type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** Kernels here take int32 index tensors and float32 data; say which input broke that, early. */
export function expectDtype(t: TensorInfo, dtype: 'int32' | 'float32', what: string): void {
  if (t.dtype !== dtype) throw new TypeError(`${what} must be ${dtype}, not ${t.dtype}`);
}
