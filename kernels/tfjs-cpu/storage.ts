import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { HostTensorStorage } from '../tfjs-common/host-storage.js';

/** The cpu backend keeps each tensor's typed array in its data map: seen from host code without a copy. */
export const cpuStorage: HostTensorStorage = {
  backendName: 'cpu',
  f32: (be, t) => (be as MathBackendCPU).data.get(t.dataId)!.values as Float32Array,
  i32: (be, t) => (be as MathBackendCPU).data.get(t.dataId)!.values as Int32Array,
  output: (be, n) => {
    const values = new Float32Array(n);
    return { info: (be as MathBackendCPU).makeTensorInfo([n], 'float32', values), values };
  },
};
