/** Side effect: registers this folder's fused kernels for tfjs's 'webgpu' backend. */
import { registerKernel } from '@tensorflow/tfjs-core';
import { banditScoreGreedyConfig } from './kernels/bandit-score-greedy.js';
import { banditScoreUCBConfig } from './kernels/bandit-score-ucb.js';
import { banditUpdateConfig } from './kernels/bandit-update.js';
import { scatterRowsConfig } from './kernels/scatter-rows.js';

for (const config of [banditScoreUCBConfig, banditScoreGreedyConfig, banditUpdateConfig, scatterRowsConfig]) {
  registerKernel(config);
}
