import { BanditScoreGreedy, BanditScoreUCB } from '../../kernels/kernel_names.js';
import { scoreGreedy, scoreLinUCB } from '../../kernels/reference/mod.js';
import type { KernelMetrics } from '../observability/metrics.js';
import type { ScoreJob, Scorer } from './scorer.js';

/** The float64 reference kernels, called inline: exact, and the baseline every backend is checked against. */
export class ReferenceScorer implements Scorer {
  readonly backend = 'reference';
  readonly precision = 'float64' as const;

  constructor(
    private readonly alpha: number,
    private readonly metrics?: KernelMetrics,
  ) {}

  score(job: ScoreJob): Float64Array {
    const t0 = this.metrics ? performance.now() : 0;
    const out =
      job.spec.kind === 'linucb'
        ? scoreLinUCB(job.posterior(), job.x, job.k, this.alpha, job.stride)
        : scoreGreedy(job.posterior(), job.x, job.k, job.stride);
    // Inline, one user per call: a "batch" of one job.
    this.metrics?.observeKernel(
      job.spec.kind === 'linucb' ? BanditScoreUCB : BanditScoreGreedy,
      this.backend,
      1,
      (performance.now() - t0) / 1000,
    );
    return out;
  }

  async close(): Promise<void> {}
}
