import { z } from 'zod';
import { posterior as computePosterior, type Posterior, ridgeIdentity } from '../../kernels/reference/mod.js';
import { POLICIES, type PolicyName } from '../policies/mod.js';

/**
 * The applied keys of every state that has none, shared (most states never see an idempotent reward).
 * Frozen, so a push that skipped `rememberAppliedKey` fails loudly instead of leaking between users.
 */
const NO_KEYS = Object.freeze([]) as unknown as string[];

/** How many applied (event_id, candidate_id) keys a user's policy state remembers (CONTRACT §4). */
export const APPLIED_KEYS_KEPT = 1000;

/** A user's bandit state for one policy, in memory. A and b are float64, exactly as stored. */
export interface PolicyState {
  readonly policy: PolicyName;
  readonly d: number;
  readonly lambda: number;
  readonly a: Float64Array;
  readonly b: Float64Array;
  nUpdates: number;
  totalReward: number;
  lastUpdateTs: string | null;
  /** Oldest first; at most APPLIED_KEYS_KEPT. */
  appliedKeys: string[];
  /** The same keys, for lookups; null until the first key (most states never get one). */
  appliedSet: Set<string> | null;
}

export function coldState(policy: PolicyName, lambda: number): PolicyState {
  const d = POLICIES[policy].d;
  return {
    policy,
    d,
    lambda,
    ...packed(d, ridgeIdentity(d, lambda), null),
    nUpdates: 0,
    totalReward: 0,
    lastUpdateTs: null,
    appliedKeys: NO_KEYS,
    appliedSet: null,
  };
}

/**
 * A and b as views of one buffer: one allocation per state instead of two (what a cached user costs is
 * mostly these floats and the bookkeeping of each typed array).
 */
function packed(
  d: number,
  a: ArrayLike<number>,
  b: ArrayLike<number> | null,
): { a: Float64Array; b: Float64Array } {
  const buf = new Float64Array(d * d + d);
  buf.set(a);
  if (b) buf.set(b, d * d);
  return { a: buf.subarray(0, d * d), b: buf.subarray(d * d) };
}

/**
 * θ and A⁻¹ from (A, b), computed on each call and never kept: a Cholesky of d ≤ 12 costs microseconds,
 * and keeping it would nearly double what a cached user costs. The batched scorer keeps it where it
 * pays, in its resident slots, which know a state by its identity (a commit makes a new state object).
 */
export function posteriorOf(s: PolicyState): Posterior {
  return computePosterior(s.a, s.b, s.d);
}

export function cloneState(s: PolicyState): PolicyState {
  return {
    ...s,
    ...packed(s.d, s.a, s.b),
    appliedKeys: s.appliedKeys.length === 0 ? NO_KEYS : s.appliedKeys.slice(),
    appliedSet: s.appliedSet === null ? null : new Set(s.appliedSet),
  };
}

export function rememberAppliedKey(s: PolicyState, key: string): void {
  if (s.appliedKeys === NO_KEYS) s.appliedKeys = [];
  s.appliedKeys.push(key);
  s.appliedSet ??= new Set(s.appliedKeys.slice(0, -1));
  s.appliedSet.add(key);
  while (s.appliedKeys.length > APPLIED_KEYS_KEPT) s.appliedSet.delete(s.appliedKeys.shift()!);
}

/** The file format of CONTRACT §5, plus the idempotency keys; numbers keep full float64 precision. */
export const PolicyStateDocument = z.object({
  schema: z.literal(1),
  policy: z.enum(['linucb_v1', 'egreedy_v1', 'egreedy_v2']),
  d: z.number().int(),
  lambda: z.number().positive(),
  A: z.array(z.array(z.number())),
  b: z.array(z.number()),
  n_updates: z.number().int().nonnegative(),
  total_reward: z.number(),
  last_update_ts: z.string().nullable(),
  applied_keys: z.array(z.string()).default([]),
});
export type PolicyStateDocument = z.infer<typeof PolicyStateDocument>;

export function toDocument(s: PolicyState): PolicyStateDocument {
  const A: number[][] = [];
  for (let i = 0; i < s.d; i++) A.push(Array.from(s.a.subarray(i * s.d, (i + 1) * s.d)));
  return {
    schema: 1,
    policy: s.policy,
    d: s.d,
    lambda: s.lambda,
    A,
    b: Array.from(s.b),
    n_updates: s.nUpdates,
    total_reward: s.totalReward,
    last_update_ts: s.lastUpdateTs,
    applied_keys: s.appliedKeys,
  };
}

/**
 * The applied keys a stored document carries: ours (`applied_keys`, `{event}:{candidate}`), or those the
 * Python service writes (`applied`, `{event}\x1f{candidate}`), so that a drop-in STATE_DIR keeps them.
 */
export function appliedKeysOfDocument(raw: unknown): string[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const o = raw as { applied_keys?: unknown; applied?: unknown };
  const ours = Array.isArray(o.applied_keys) ? o.applied_keys.filter((k) => typeof k === 'string') : [];
  if (ours.length > 0 || !Array.isArray(o.applied)) return ours;
  return o.applied.filter((k): k is string => typeof k === 'string').map((k) => k.replace('\x1f', ':'));
}

/** Parses a stored document; returns a reason instead of a state when it is unusable for `policy`. */
export function fromDocument(policy: PolicyName, raw: unknown): PolicyState | { problem: string } {
  const parsed = PolicyStateDocument.safeParse(raw);
  if (!parsed.success)
    return { problem: `not a policy state: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const doc = parsed.data;
  const d = POLICIES[policy].d;
  if (doc.policy !== policy || doc.d !== d)
    return { problem: `holds ${doc.policy} d=${doc.d}, expected ${policy} d=${d}` };
  if (doc.A.length !== d || doc.A.some((row) => row.length !== d) || doc.b.length !== d) {
    return { problem: `A or b does not have dimension ${d}` };
  }
  const keys = appliedKeysOfDocument(raw).slice(-APPLIED_KEYS_KEPT);
  return {
    policy,
    d,
    lambda: doc.lambda,
    ...packed(d, doc.A.flat(), doc.b),
    nUpdates: doc.n_updates,
    totalReward: doc.total_reward,
    lastUpdateTs: doc.last_update_ts,
    appliedKeys: keys.length === 0 ? NO_KEYS : keys,
    appliedSet: keys.length === 0 ? null : new Set(keys),
  };
}
