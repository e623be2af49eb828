import { banditScoreGreedyConfig } from './bandit-score-greedy.js';
import { banditScoreUCBConfig } from './bandit-score-ucb.js';
import { banditUpdateConfig } from './bandit-update.js';

/** This backend's kernel table, built from its one-file-per-kernel configs. */
export function wasmKernels() {
  return {
    [banditScoreUCBConfig.kernelName]: banditScoreUCBConfig.kernelFunc,
    [banditScoreGreedyConfig.kernelName]: banditScoreGreedyConfig.kernelFunc,
    [banditUpdateConfig.kernelName]: banditUpdateConfig.kernelFunc,
  };
}
export type WasmKernels = ReturnType<typeof wasmKernels>;
