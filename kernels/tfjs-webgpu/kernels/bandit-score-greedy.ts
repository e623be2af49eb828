import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import {
  BanditScoreGreedy,
  type BanditScoreGreedyAttrs,
  type BanditScoreGreedyInputs,
} from '../../kernel_names.js';
import { BanditScoreGreedyProgram } from '../programs/score-greedy-program.js';
import { expectDtype, type WebGPUBackend } from './webgpu-backend-type.js';

export function banditScoreGreedy(args: {
  inputs: BanditScoreGreedyInputs;
  backend: WebGPUBackend;
  attrs: BanditScoreGreedyAttrs;
}): TensorInfo {
  const { theta, x, slot } = args.inputs;
  expectDtype(slot, 'int32', 'BanditScoreGreedy slot');
  expectDtype(x, 'float32', 'BanditScoreGreedy x');
  const program = new BanditScoreGreedyProgram(slot.shape[0]!, args.attrs.d);
  return args.backend.runWebGPUProgram(program, [theta, x, slot], 'float32');
}

export const banditScoreGreedyConfig: KernelConfig = {
  kernelName: BanditScoreGreedy,
  backendName: 'webgpu',
  kernelFunc: banditScoreGreedy as unknown as KernelFunc,
};
