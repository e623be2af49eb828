import { banditScoreGreedyConfig, type ScoreGreedyArgs } from './bandit-score-greedy.js';
import { banditScoreUCBConfig, type ScoreUCBArgs } from './bandit-score-ucb.js';
import { banditUpdateConfig, type UpdateArgs } from './bandit-update.js';

/** This backend's kernel table, built from its one-file-per-kernel configs. */
export interface JsF64Kernels {
  BanditScoreUCB(args: ScoreUCBArgs): void;
  BanditScoreGreedy(args: ScoreGreedyArgs): void;
  BanditUpdate(args: UpdateArgs): void;
}

export function jsF64Kernels(): JsF64Kernels {
  return {
    [banditScoreUCBConfig.kernelName]: banditScoreUCBConfig.kernelFunc,
    [banditScoreGreedyConfig.kernelName]: banditScoreGreedyConfig.kernelFunc,
    [banditUpdateConfig.kernelName]: banditUpdateConfig.kernelFunc,
  };
}
