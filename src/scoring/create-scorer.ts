import type { Logger } from 'pino';
import { type BackendChoice, loadBackend } from '../../kernels/registry.js';
import type { Config } from '../config/env.js';
import type { KernelMetrics } from '../observability/metrics.js';
import { BatchingScorer } from './batching-scorer.js';

/**
 * A batched backend behind dynamic micro-batching: by default the online path's (SCORER_BACKEND); the
 * batch path passes BATCH_SCORER_BACKEND.
 */
export async function createScorer(
  config: Config,
  log: Logger,
  choice: readonly BackendChoice[] = config.SCORER_BACKEND,
  metrics?: KernelMetrics,
): Promise<BatchingScorer> {
  const { backend, failed } = await loadBackend(choice);
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
    metrics,
  });
}
