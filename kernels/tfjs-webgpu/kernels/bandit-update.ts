import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BanditUpdate, type BanditUpdateAttrs, type BanditUpdateInputs } from '../../kernel_names.js';
import { BanditUpdateAinvProgram } from '../programs/update-ainv-program.js';
import { BanditUpdateBProgram } from '../programs/update-b-program.js';
import { planUpdate } from '../programs/update-plan.js';
import { BanditUpdateThetaProgram } from '../programs/update-theta-program.js';
import { expectDtype, type WebGPUBackend } from './webgpu-backend-type.js';

/**
 * Applies M rewards to the resident slab IN PLACE and returns [ainv, b, theta] — the same buffers,
 * with one more reference each (as tfjs's own Reshape does), so the slab's tensors stay valid and
 * nothing S-sized is copied or uploaded. Three dispatches in one pass: A⁻¹ (Sherman–Morrison), b,
 * then θ = A⁻¹b for the touched slots; WebGPU orders storage writes between dispatches.
 *
 * The per-user sequence is planned on the CPU from `slot`, which must still be CPU-resident (a
 * tensor just made from a typed array): reading it back from the GPU would stall the queue.
 */
export function banditUpdate(args: {
  inputs: BanditUpdateInputs;
  backend: WebGPUBackend;
  attrs: BanditUpdateAttrs;
}): TensorInfo[] {
  const { ainv, b, theta, x, reward, slot } = args.inputs;
  const { backend } = args;
  const { d } = args.attrs;
  expectDtype(slot, 'int32', 'BanditUpdate slot');
  expectDtype(x, 'float32', 'BanditUpdate x');
  expectDtype(reward, 'float32', 'BanditUpdate reward');
  const slotValues = backend.tensorMap.get(slot.dataId)?.values;
  if (!(slotValues instanceof Int32Array)) {
    throw new Error('BanditUpdate needs its slot input CPU-resident (made from an Int32Array for this call)');
  }
  const plan = planUpdate(slotValues);
  const groups = plan.groupSlot.length;
  const rowOrder = backend.makeTensorInfo([plan.rowOrder.length], 'int32', plan.rowOrder);
  const groupStart = backend.makeTensorInfo([plan.groupStart.length], 'int32', plan.groupStart);
  const groupSlot = backend.makeTensorInfo([groups], 'int32', plan.groupSlot);
  const count = [{ type: 'int32', data: [groups] }];
  try {
    backend.runWebGPUProgram(
      new BanditUpdateAinvProgram(ainv.shape, groups, d),
      [x, rowOrder, groupStart, groupSlot],
      'float32',
      count,
      ainv,
    );
    backend.runWebGPUProgram(
      new BanditUpdateBProgram(b.shape, groups, d),
      [x, reward, rowOrder, groupStart, groupSlot],
      'float32',
      count,
      b,
    );
    backend.runWebGPUProgram(
      new BanditUpdateThetaProgram(theta.shape, groups, d),
      [ainv, b, groupSlot],
      'float32',
      count,
      theta,
    );
  } finally {
    // Disposal is deferred by the backend until the queued dispatches that read them are submitted.
    backend.disposeData(rowOrder.dataId);
    backend.disposeData(groupStart.dataId);
    backend.disposeData(groupSlot.dataId);
  }
  for (const t of [ainv, b, theta]) backend.incRef(t.dataId);
  return [ainv, b, theta];
}

export const banditUpdateConfig: KernelConfig = {
  kernelName: BanditUpdate,
  backendName: 'webgpu',
  kernelFunc: banditUpdate as unknown as KernelFunc,
};
