import type { Posterior } from '../../kernels/reference/mod.js';
import type { PolicySpec } from '../policies/policy-spec.js';

/** One user's scoring job: K candidates' feature rows for one policy. */
export interface ScoreJob {
  readonly spec: PolicySpec;
  readonly user: string;
  readonly posterior: Posterior;
  /** Row-major K × `stride`; the policy reads the first `spec.d` of each row. */
  readonly x: Float64Array;
  readonly k: number;
  readonly stride: number;
}

/**
 * The seam between the service and the kernels: a backend scores jobs, possibly coalescing concurrent
 * ones into one batched kernel call. Scores come back as float64 whatever the backend computed in.
 */
export interface Scorer {
  readonly backend: string;
  readonly precision: 'float64' | 'float32';
  score(job: ScoreJob): Promise<Float64Array> | Float64Array;
  close(): Promise<void>;
}
