import { getKernel, registerKernel } from '@tensorflow/tfjs-core';
import type { HostTensorStorage } from './host-storage.js';
import { banditScoreGreedyConfig } from './kernels/bandit-score-greedy.js';
import { banditScoreUCBConfig } from './kernels/bandit-score-ucb.js';
import { banditUpdateConfig } from './kernels/bandit-update.js';

/** Adds the fused bandit kernels to one host-memory TF.js backend, once (TF.js's registry is global). */
export function registerHostKernels(storage: HostTensorStorage): void {
  for (const make of [banditScoreUCBConfig, banditScoreGreedyConfig, banditUpdateConfig]) {
    const config = make(storage);
    if (!getKernel(config.kernelName, config.backendName)) registerKernel(config);
  }
}
