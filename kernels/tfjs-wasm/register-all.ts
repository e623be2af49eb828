import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import { banditScoreGreedyConfig } from './bandit-score-greedy.js';
import { banditScoreUCBConfig } from './bandit-score-ucb.js';
import { banditUpdateConfig } from './bandit-update.js';

// Side effect, as tfjs backends register theirs: adds the bandit kernels to TF.js's 'wasm' backend.
for (const config of [banditScoreUCBConfig, banditScoreGreedyConfig, banditUpdateConfig]) {
  if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
}
