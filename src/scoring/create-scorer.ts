import type { Logger } from 'pino';
import { loadBackend } from '../../kernels/registry.js';
import type { Config } from '../config/env.js';
import { BatchingScorer } from './batching-scorer.js';

/** The scorer of the online path: SCORER_BACKEND's batched backend behind dynamic micro-batching. */
export async function createScorer(config: Config, log: Logger): Promise<BatchingScorer> {
  const { backend, failed } = await loadBackend(config.SCORER_BACKEND);
  for (const f of failed) {
    log.warn({ backend: f.name, reason: f.error }, 'scoring backend could not load, trying the next');
  }
  return new BatchingScorer({
    backend,
    alpha: config.LINUCB_ALPHA,
    maxBatch: config.SCORE_BATCH_MAX,
    waitUs: config.SCORE_BATCH_WAIT_US,
    slabUsers: config.SCORER_SLAB_USERS,
    log,
  });
}
