import type { PolicyName } from '../policies/policy-names.js';
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
}

export interface PolicyEstimate extends Estimate {
  readonly policy: PolicyName;
  /** `logging` when it chose every decision it took part in, `shadow` when none, `mixed` across a switch. */
  readonly role: 'logging' | 'shadow' | 'mixed';
}

export interface EvaluationResult {
  readonly rows: PolicyEstimate[];
  /** Decisions of the window, rewarded or counted with reward 0. */
  readonly decisions: number;
  /** Decisions of the window still inside their reward window with no reward: left out. */
  readonly awaiting_reward: number;
}

/**
 * Rewards reach the log after their decision, but lines of one process are written in time order:
 * once the log has moved this far past a decision's window, no reward for it can follow.
 */
const REORDER_SLACK_MS = 5 * 60_000;

interface Pending {
  readonly d: DecisionRecord;
  readonly t: number;
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
    { est: EstimatorAccumulator; chose: number; shadowed: number }
  >();
  private settled = 0;
  private awaiting = 0;

  constructor(private readonly win: EvaluationWindow) {
    for (const p of win.policies ?? []) this.accumulator(p);
  }

  add(record: LogRecord): void {
    const t = Date.parse(record.ts);
    if (record.type === 'decision') {
      if (t >= this.win.fromMs && t <= this.win.toMs && !this.pending.has(record.event_id)) {
        this.pending.set(record.event_id, { d: record, t, reward: null });
      }
    } else {
      const p = this.pending.get(record.event_id);
      // Only the logged candidate's reward speaks for the decision; a repeat keeps the first value.
      if (p && p.reward === null && record.candidate_id === p.d.chosen_id) p.reward = record.reward;
    }
    this.settleBefore(t - this.win.windowMs - REORDER_SLACK_MS);
  }

  finish(): EvaluationResult {
    this.settleBefore(Number.POSITIVE_INFINITY);
    const configuredLogger = this.win.policies?.[0];
    const rows = [...this.acc.entries()].map(([policy, a]) => ({
      policy,
      role: roleOf(a.chose, a.shadowed, policy === configuredLogger),
      ...a.est.result(),
    }));
    return { rows, decisions: this.settled, awaiting_reward: this.awaiting };
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
    }
    this.settled++;
    const d = p.d;
    const logger = this.accumulator(d.policy);
    logger.chose++;
    logger.est.push({ w: 1, r, dr: r });
    const loggedIdx = d.candidates.indexOf(d.chosen_id);
    for (const [name, s] of Object.entries(d.shadows) as [PolicyName, ShadowEntry][]) {
      if (name === d.policy) continue;
      const a = this.accumulator(name);
      a.shadowed++;
      a.est.push(shadowTerm(d, loggedIdx, s, r));
    }
  }

  private accumulator(p: PolicyName) {
    let a = this.acc.get(p);
    if (!a) {
      a = { est: new EstimatorAccumulator(), chose: 0, shadowed: 0 };
      this.acc.set(p, a);
    }
    return a;
  }
}

function roleOf(chose: number, shadowed: number, configuredLogger: boolean): PolicyEstimate['role'] {
  if (chose > 0 && shadowed > 0) return 'mixed';
  if (chose > 0) return 'logging';
  if (shadowed > 0) return 'shadow';
  return configuredLogger ? 'logging' : 'shadow';
}

/**
 * The doubly robust term of a shadow: its expected reward under the logging policy's estimates q
 * (ε-greedy spreads ε/K over every candidate, the rest on its greedy choice), corrected by the
 * importance-weighted residual of the logged candidate.
 */
export function shadowTerm(d: DecisionRecord, loggedIdx: number, s: ShadowEntry, r: number): PolicyTerm {
  const w = s.p_chosen / d.propensity;
  const k = d.q.length;
  let qSum = 0;
  for (const v of d.q) qSum += v;
  const greedy = d.q[d.candidates.indexOf(s.chosen_id)]!;
  const expected = s.epsilon > 0 ? (s.epsilon / k) * qSum + (1 - s.epsilon) * greedy : greedy;
  return { w, r, dr: expected + w * (r - d.q[loggedIdx]!) };
}
