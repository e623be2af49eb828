import type { PolicyName } from '../policies/mod.js';
import type { DecisionRecord, LogRecord, ShadowEntry } from './decision-records.js';
import { type Estimate, EstimatorAccumulator, type PolicyTerm } from './estimators.js';

export interface EvaluationWindow {
  /** Decisions logged in [fromMs, toMs] are evaluated (epoch ms). */
  readonly fromMs: number;
  readonly toMs: number;
  /** REWARD_WINDOW_S in ms: after it, an unrewarded decision counts with reward 0. */
  readonly windowMs: number;
  /** The evaluation's clock (epoch ms): decisions younger than the window with no reward yet are left out. */
  readonly nowMs: number;
  /**
   * Policies that get a row even when no decision of the window names them: the configured logging
   * policy first, then the shadows (their role when the window holds nothing of theirs).
   */
  readonly policies?: readonly PolicyName[];
  /**
   * Width of the time series' buckets (epoch-aligned, so 86 400 000 gives UTC days): each settled
   * decision also counts in its bucket's estimates. Without it there is no series.
   */
  readonly bucketMs?: number;
}

export interface PolicyEstimate extends Estimate {
  readonly policy: PolicyName;
  /** `logging` when it chose every decision it took part in, `shadow` when none, `mixed` across a switch. */
  readonly role: 'logging' | 'shadow' | 'mixed';
  /** Share of the decisions it shadowed where its choice was the logged one; null when it shadowed none. */
  readonly agreement: number | null;
}

/** One policy's estimates over the decisions of one bucket of the window. */
export interface SeriesPoint extends Estimate {
  /** The bucket's start (epoch ms). */
  readonly startMs: number;
  readonly policy: PolicyName;
}

export interface EvaluationResult {
  readonly rows: PolicyEstimate[];
  /** Decisions of the window, rewarded or counted with reward 0. */
  readonly decisions: number;
  /** Of those, the ones whose reward arrived (the rest count with reward 0). */
  readonly rewarded: number;
  /** Decisions of the window still inside their reward window with no reward: left out. */
  readonly awaiting_reward: number;
  /** Per bucket (in time order), per policy: empty without `bucketMs`. */
  readonly series: SeriesPoint[];
}

/**
 * Rewards reach the log after their decision, but lines of one process are written in time order:
 * once the log has moved this far past a decision's window, no reward for it can follow.
 */
const REORDER_SLACK_MS = 5 * 60_000;

/** What a decision's settlement needs, without its candidates and q (K can be 1000). */
interface Pending {
  readonly t: number;
  readonly chosen: string;
  readonly policy: PolicyName;
  readonly shadows: readonly (readonly [PolicyName, ShadowParts, boolean])[];
  reward: number | null;
}

/**
 * Joins decisions with their rewards while streaming through the log and feeds each settled decision to
 * per-policy estimators. Only decisions whose reward window is still open are held, so memory is bounded
 * by the decision rate times the reward window, not by the log's length.
 */
export class OffPolicyEvaluator {
  private readonly pending = new Map<string, Pending>();
  private readonly acc = new Map<
    PolicyName,
    { est: EstimatorAccumulator; chose: number; shadowed: number; agreed: number }
  >();
  /** bucket start → policy → estimates of that bucket's decisions. */
  private readonly buckets = new Map<number, Map<PolicyName, EstimatorAccumulator>>();
  private settled = 0;
  private rewarded = 0;
  private awaiting = 0;

  constructor(private readonly win: EvaluationWindow) {
    for (const p of win.policies ?? []) this.accumulator(p);
  }

  /** Decisions held while their reward window is open: what the evaluator's memory grows with. */
  get held(): number {
    return this.pending.size;
  }

  add(record: LogRecord): void {
    const t = Date.parse(record.ts);
    if (record.type === 'decision') {
      if (t >= this.win.fromMs && t <= this.win.toMs && !this.pending.has(record.event_id)) {
        this.pending.set(record.event_id, compact(record, t));
      }
    } else {
      const p = this.pending.get(record.event_id);
      // Only the logged candidate's reward speaks for the decision; a repeat keeps the first value.
      if (p && p.reward === null && record.candidate_id === p.chosen) p.reward = record.reward;
    }
    this.settleBefore(t - this.win.windowMs - REORDER_SLACK_MS);
  }

  finish(): EvaluationResult {
    this.settleBefore(Number.POSITIVE_INFINITY);
    const configuredLogger = this.win.policies?.[0];
    const rows = [...this.acc.entries()].map(([policy, a]) => ({
      policy,
      role: roleOf(a.chose, a.shadowed, policy === configuredLogger),
      agreement: a.shadowed > 0 ? a.agreed / a.shadowed : null,
      ...a.est.result(),
    }));
    const series = [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([startMs, byPolicy]) =>
        [...byPolicy.entries()].map(([policy, est]) => ({ startMs, policy, ...est.result() })),
      );
    return { rows, decisions: this.settled, rewarded: this.rewarded, awaiting_reward: this.awaiting, series };
  }

  private settleBefore(horizon: number): void {
    // Insertion order is (nearly) time order: stop at the first decision that may still get a reward.
    for (const [id, p] of this.pending) {
      if (p.t >= horizon) break;
      this.pending.delete(id);
      this.settle(p);
    }
  }

  private settle(p: Pending): void {
    let r = p.reward;
    if (r === null) {
      if (this.win.nowMs - p.t <= this.win.windowMs) {
        this.awaiting++;
        return;
      }
      r = 0;
    } else {
      this.rewarded++;
    }
    this.settled++;
    const bucket = this.bucketOf(p.t);
    const logger = this.accumulator(p.policy);
    logger.chose++;
    const own = { w: 1, r, dr: r };
    logger.est.push(own);
    if (bucket) estimatorIn(bucket, p.policy).push(own);
    for (const [name, parts, agrees] of p.shadows) {
      const a = this.accumulator(name);
      a.shadowed++;
      if (agrees) a.agreed++;
      const term = shadowTerm(parts, r);
      a.est.push(term);
      if (bucket) estimatorIn(bucket, name).push(term);
    }
  }

  private bucketOf(t: number): Map<PolicyName, EstimatorAccumulator> | null {
    const width = this.win.bucketMs;
    if (width === undefined) return null;
    const start = Math.floor(t / width) * width;
    let b = this.buckets.get(start);
    if (!b) {
      b = new Map();
      this.buckets.set(start, b);
    }
    return b;
  }

  private accumulator(p: PolicyName) {
    let a = this.acc.get(p);
    if (!a) {
      a = { est: new EstimatorAccumulator(), chose: 0, shadowed: 0, agreed: 0 };
      this.acc.set(p, a);
    }
    return a;
  }
}

function estimatorIn(bucket: Map<PolicyName, EstimatorAccumulator>, p: PolicyName): EstimatorAccumulator {
  let e = bucket.get(p);
  if (!e) {
    e = new EstimatorAccumulator();
    bucket.set(p, e);
  }
  return e;
}

function roleOf(chose: number, shadowed: number, configuredLogger: boolean): PolicyEstimate['role'] {
  if (chose > 0 && shadowed > 0) return 'mixed';
  if (chose > 0) return 'logging';
  if (shadowed > 0) return 'shadow';
  return configuredLogger ? 'logging' : 'shadow';
}

function compact(d: DecisionRecord, t: number): Pending {
  const loggedIdx = d.candidates.indexOf(d.chosen_id);
  const shadows = (Object.entries(d.shadows) as [PolicyName, ShadowEntry][])
    .filter(([name]) => name !== d.policy)
    .map(([name, s]) => [name, shadowParts(d, loggedIdx, s), s.chosen_id === d.chosen_id] as const);
  return { t, chosen: d.chosen_id, policy: d.policy, shadows, reward: null };
}

/** A shadow's share of one decision before its reward is known. */
export interface ShadowParts {
  /** π/p of the logged candidate. */
  readonly w: number;
  /** Σ_a π(a)·q(a): the shadow's expected reward under the logging policy's estimates. */
  readonly expected: number;
  /** q of the logged candidate. */
  readonly qLogged: number;
}

/**
 * A shadow's expected reward under the logging policy's estimates q (ε-greedy spreads ε/K over every
 * candidate, the rest on its greedy choice; LinUCB puts all on its choice), and its importance weight.
 */
export function shadowParts(d: DecisionRecord, loggedIdx: number, s: ShadowEntry): ShadowParts {
  const k = d.q.length;
  const greedy = d.q[d.candidates.indexOf(s.chosen_id)]!;
  let expected = greedy;
  if (s.epsilon > 0) {
    let qSum = 0;
    for (const v of d.q) qSum += v;
    expected = (s.epsilon / k) * qSum + (1 - s.epsilon) * greedy;
  }
  return { w: s.p_chosen / d.propensity, expected, qLogged: d.q[loggedIdx]! };
}

/** The doubly robust term: the model's expectation corrected by the weighted residual of the logged candidate. */
export function shadowTerm(parts: ShadowParts, r: number): PolicyTerm {
  return { w: parts.w, r, dr: parts.expected + parts.w * (r - parts.qLogged) };
}
