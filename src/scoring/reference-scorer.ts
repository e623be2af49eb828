import { scoreGreedy, scoreLinUCB } from '../../kernels/reference/mod.js';
import type { ScoreJob, Scorer } from './scorer.js';

/** The float64 reference kernels, called inline: exact, and the baseline every backend is checked against. */
export class ReferenceScorer implements Scorer {
  readonly backend = 'reference';
  readonly precision = 'float64' as const;

  constructor(private readonly alpha: number) {}

  score(job: ScoreJob): Float64Array {
    return job.spec.kind === 'linucb'
      ? scoreLinUCB(job.posterior, job.x, job.k, this.alpha, job.stride)
      : scoreGreedy(job.posterior, job.x, job.k, job.stride);
  }

  async close(): Promise<void> {}
}
