import { setTimeout as sleep } from 'node:timers/promises';
import { ReferenceScorer } from '../../src/scoring/reference-scorer.js';
import type { ScoreJob, Scorer } from '../../src/scoring/scorer.js';

/** The real reference scorer, made slow: each job takes `ms`, so capacity is MAX_INFLIGHT / ms. */
export class SlowScorer implements Scorer {
  readonly backend = 'slow-reference';
  readonly precision = 'float64' as const;
  private readonly inner = new ReferenceScorer(1);
  constructor(private readonly ms: number) {}
  async score(job: ScoreJob): Promise<Float64Array> {
    await sleep(this.ms);
    return this.inner.score(job);
  }
  async close(): Promise<void> {}
}
