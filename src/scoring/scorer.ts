import type { Posterior } from '../../kernels/reference/mod.js';
import type { PolicyName, PolicySpec } from '../policies/mod.js';
import type { PolicyState } from '../state/policy-state.js';

/** One user's scoring job: K candidates' feature rows for one policy. */
export interface ScoreJob {
  readonly spec: PolicySpec;
  readonly user: string;
  /**
   * The state the job read, by identity: a resident slot that already holds it needs no write. A commit
   * makes a new state object, so a changed user never matches.
   */
  readonly version: object;
  /** The posterior of that state, derived when asked (a resident, current slot never asks). */
  posterior(): Posterior;
  /** The state's b, kept with a resident posterior so that slab reads give back the whole state. */
  readonly b?: Float64Array;
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
  /** Told of every committed state change (null: reset), so that resident copies can follow. */
  stateChanged?(policy: PolicyName, user: string, state: PolicyState | null): void;
  close(): Promise<void>;
}
