import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BanditScoreUCB, type BanditScoreUCBAttrs, type BanditScoreUCBInputs } from '../../kernel_names.js';
import { BanditScoreUCBProgram } from '../programs/score-ucb-program.js';
import { expectDtype, type WebGPUBackend } from './webgpu-backend-type.js';

export function banditScoreUCB(args: {
  inputs: BanditScoreUCBInputs;
  backend: WebGPUBackend;
  attrs: BanditScoreUCBAttrs;
}): TensorInfo {
  const { ainv, theta, x, slot } = args.inputs;
  const { alpha, d } = args.attrs;
  expectDtype(slot, 'int32', 'BanditScoreUCB slot');
  expectDtype(x, 'float32', 'BanditScoreUCB x');
  const n = slot.shape[0]!;
  const program = new BanditScoreUCBProgram(n, d);
  return args.backend.runWebGPUProgram(program, [ainv, theta, x, slot], 'float32', [
    { type: 'float32', data: [alpha] },
  ]);
}

export const banditScoreUCBConfig: KernelConfig = {
  kernelName: BanditScoreUCB,
  backendName: 'webgpu',
  kernelFunc: banditScoreUCB as unknown as KernelFunc,
};
