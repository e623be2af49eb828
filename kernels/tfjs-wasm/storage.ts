import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { HostTensorStorage } from '../tfjs-common/host-storage.js';

/** The wasm backend's tensors live in its heap; outputs are allocated there too, then viewed. */
export const wasmStorage: HostTensorStorage = {
  backendName: 'wasm',
  f32: (be, t) => (be as BackendWasm).typedArrayFromHeap(t) as Float32Array,
  i32: (be, t) => (be as BackendWasm).typedArrayFromHeap(t) as Int32Array,
  output: (be, n) => {
    const info = (be as BackendWasm).makeOutput([n], 'float32');
    return { info, values: (be as BackendWasm).typedArrayFromHeap(info) as Float32Array };
  },
};
