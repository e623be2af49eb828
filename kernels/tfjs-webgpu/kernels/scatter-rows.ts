import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ScatterRowsProgram } from '../programs/scatter-rows-program.js';
import { expectDtype, type WebGPUBackend } from './webgpu-backend-type.js';

/**
 * Not a contract kernel: how Slab.write makes posteriors resident. Writes rows [n, width] into the
 * slab rows `slot` (slab viewed as [S, width]) in place and returns the slab with one more reference.
 */
export const ScatterRows = 'BanditScatterRows';

export function scatterRows(args: {
  inputs: { slab: TensorInfo; rows: TensorInfo; slot: TensorInfo };
  backend: WebGPUBackend;
}): TensorInfo {
  const { slab, rows, slot } = args.inputs;
  expectDtype(slot, 'int32', 'BanditScatterRows slot');
  const n = slot.shape[0]!;
  const width = n === 0 ? 1 : rows.shape.slice(1).reduce((p, q) => p * q, 1);
  args.backend.runWebGPUProgram(
    new ScatterRowsProgram(slab.shape, n, width),
    [rows, slot],
    'float32',
    [{ type: 'int32', data: [n * width] }],
    slab,
  );
  args.backend.incRef(slab.dataId);
  return slab;
}

export const scatterRowsConfig: KernelConfig = {
  kernelName: ScatterRows,
  backendName: 'webgpu',
  kernelFunc: scatterRows as unknown as KernelFunc,
};
