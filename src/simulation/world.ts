import { FEATURE_WIDTH, featureMatrix } from '../features/mod.js';
import type { RandomSource } from '../policies/mod.js';

/**
 * The simulator's hidden truth. Each synthetic user u has a profile p_u ∈ [0,1]⁵ (sent as
 * `profile_features`), a time zone, and a weight vector θ_u over the contract's 12 features
 * (hour_sin, hour_cos, is_overdue, task_age, priority, dow_sin, dow_cos, profile_0..4):
 *
 *   hour_sin, hour_cos ~ U(−0.1, 0.1)   is_overdue ~ U(0.1, 0.4)   task_age ~ U(−0.3, 0.3)
 *   priority ~ U(0.3, 0.7)              dow_sin, dow_cos ~ U(−0.05, 0.05)   profile_i ~ U(0, 0.1)
 *
 * A task shown with feature row x is accepted (reward 1, else 0) with probability
 * μ(x) = clamp(θ_u·x, 0, 1): linear in the features, so each policy's model can in principle learn it
 * (only the clamp is not linear; the policies' d = 5 and 7 also miss some terms, as real models do).
 */
export interface SimUser {
  readonly id: string;
  readonly timezone: string;
  readonly profile: number[];
  readonly theta: number[];
}

export interface SimTask {
  readonly id: string;
  readonly priority: number;
  readonly created_at: string;
  readonly due_at: string | null;
}

export interface SimRound {
  readonly user: SimUser;
  readonly now: string;
  readonly tasks: SimTask[];
  /** μ per task, in `tasks` order. */
  readonly mu: number[];
}

const TIMEZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
const DAY_MS = 86_400_000;

const uniform = (random: RandomSource, lo: number, hi: number) => lo + (hi - lo) * random();

export function makeUsers(random: RandomSource, n: number): SimUser[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `sim-${i}`,
    timezone: TIMEZONES[i % TIMEZONES.length]!,
    profile: Array.from({ length: 5 }, () => random()),
    theta: [
      uniform(random, -0.1, 0.1),
      uniform(random, -0.1, 0.1),
      uniform(random, 0.1, 0.4),
      uniform(random, -0.3, 0.3),
      uniform(random, 0.3, 0.7),
      uniform(random, -0.05, 0.05),
      uniform(random, -0.05, 0.05),
      ...Array.from({ length: 5 }, () => uniform(random, 0, 0.1)),
    ],
  }));
}

/** K tasks for a user at `nowMs`: priority 0–4, created 0–60 days ago, half with a due date ±10 days. */
export function makeRound(
  random: RandomSource,
  user: SimUser,
  nowMs: number,
  k: number,
  seq: number,
): SimRound {
  const tasks: SimTask[] = Array.from({ length: k }, (_, i) => ({
    id: `r${seq}-t${i}`,
    priority: Math.min(Math.floor(random() * 5), 4),
    created_at: new Date(nowMs - Math.floor(random() * 60 * DAY_MS)).toISOString(),
    due_at:
      random() < 0.5 ? null : new Date(nowMs + Math.floor(uniform(random, -10, 10) * DAY_MS)).toISOString(),
  }));
  const x = featureMatrix(
    { now: nowMs, timezone: user.timezone, profile: user.profile },
    tasks.map((t) => ({
      priority: t.priority,
      createdAt: Date.parse(t.created_at),
      dueAt: t.due_at === null ? null : Date.parse(t.due_at),
    })),
  );
  const mu = tasks.map((_, i) => {
    let s = 0;
    for (let j = 0; j < FEATURE_WIDTH; j++) s += user.theta[j]! * x[i * FEATURE_WIDTH + j]!;
    return Math.min(Math.max(s, 0), 1);
  });
  return { user, now: new Date(nowMs).toISOString(), tasks, mu };
}

/** The expected reward of a policy that picks `greedy` but explores uniformly with probability ε. */
export function policyValue(mu: readonly number[], greedy: number, epsilon: number): number {
  let sum = 0;
  for (const m of mu) sum += m;
  return (epsilon / mu.length) * sum + (1 - epsilon) * mu[greedy]!;
}
