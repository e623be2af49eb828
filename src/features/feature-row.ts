import { localTime } from './local-time.js';

/** The contract's feature names (CONTRACT §2), in the order of the widest policy's vector. */
export const FEATURE_NAMES = [
  'hour_sin',
  'hour_cos',
  'is_overdue',
  'task_age',
  'priority',
  'dow_sin',
  'dow_cos',
  'profile_0',
  'profile_1',
  'profile_2',
  'profile_3',
  'profile_4',
] as const;

/** Width of a full feature row; policy d ∈ {5, 7, 12} reads its first d entries. */
export const FEATURE_WIDTH = FEATURE_NAMES.length;

const DAY_MS = 86_400_000;
const TWO_PI = 2 * Math.PI;

export interface CandidateFields {
  readonly priority: number;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Epoch milliseconds, or null when the task has no due date. */
  readonly dueAt: number | null;
}

export interface ScoringContext {
  /** Epoch milliseconds of `now`. */
  readonly now: number;
  readonly timezone: string;
  /** Exactly five numbers, or null when the caller sent none. */
  readonly profile: readonly number[] | null;
}

/** The per-request part of the features: computed once, shared by every candidate. */
export interface ContextFeatures {
  readonly hourSin: number;
  readonly hourCos: number;
  readonly dowSin: number;
  readonly dowCos: number;
  readonly now: number;
  readonly profile: readonly number[] | null;
}

export function contextFeatures(ctx: ScoringContext): ContextFeatures {
  const { h, dow } = localTime(ctx.now, ctx.timezone);
  return {
    hourSin: Math.sin((TWO_PI * h) / 24),
    hourCos: Math.cos((TWO_PI * h) / 24),
    dowSin: Math.sin((TWO_PI * dow) / 7),
    dowCos: Math.cos((TWO_PI * dow) / 7),
    now: ctx.now,
    profile: ctx.profile,
  };
}

/**
 * Writes one candidate's 12-wide row at `out[offset..offset+12)`; profile slots are 0 when none was sent.
 * The candidate comes as scalars (epoch ms, null: no due date) so that the request path builds no object
 * per candidate.
 */
export function writeFeatureRow(
  c: ContextFeatures,
  priority: number,
  createdAt: number,
  dueAt: number | null,
  out: Float64Array,
  offset: number,
): void {
  const ageDays = (c.now - createdAt) / DAY_MS;
  out[offset] = c.hourSin;
  out[offset + 1] = c.hourCos;
  out[offset + 2] = dueAt !== null && dueAt < c.now ? 1 : 0;
  out[offset + 3] = Math.min(Math.max(ageDays / 30, 0), 1);
  out[offset + 4] = priority / 4;
  out[offset + 5] = c.dowSin;
  out[offset + 6] = c.dowCos;
  for (let i = 0; i < 5; i++) out[offset + 7 + i] = c.profile?.[i] ?? 0;
}

/** Feature rows for K candidates: a K×12 row-major matrix. */
export function featureMatrix(ctx: ScoringContext, candidates: readonly CandidateFields[]): Float64Array {
  const c = contextFeatures(ctx);
  const out = new Float64Array(candidates.length * FEATURE_WIDTH);
  for (let i = 0; i < candidates.length; i++) {
    const cand = candidates[i]!;
    writeFeatureRow(c, cand.priority, cand.createdAt, cand.dueAt, out, i * FEATURE_WIDTH);
  }
  return out;
}
