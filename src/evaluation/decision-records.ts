import { isPolicyName, type PolicyName } from '../policies/mod.js';
import { parseJsonObjectLine } from '../state/json-line.js';

/** A shadow's view of one logged decision: what it would have chosen and how likely the logged choice was. */
export interface ShadowEntry {
  /** The shadow's greedy choice (highest score, earliest on ties). */
  readonly chosen_id: string;
  /** Its probability of choosing the logged candidate: 1 or 0 for LinUCB, ε/K + (1−ε)·[logged = greedy]. */
  readonly p_chosen: number;
  /** The shadow's ε (0 for LinUCB): with `chosen_id` it gives the shadow's whole distribution, which DR needs. */
  readonly epsilon: number;
}

/** One `/recommend` decision as it is logged (CONTRACT §4, decision log). */
export interface DecisionRecord {
  readonly type: 'decision';
  readonly event_id: string;
  /** Server clock, RFC 3339 UTC. */
  readonly ts: string;
  readonly user_id: string;
  /** The logging (active) policy. */
  readonly policy: PolicyName;
  readonly chosen_id: string;
  /** The logging policy's probability of its choice. */
  readonly propensity: number;
  /** The logging policy's ε (0 for LinUCB). */
  readonly epsilon: number;
  readonly candidates: readonly string[];
  /** The logging policy's reward estimate θᵀx per candidate, in `candidates` order. */
  readonly q: readonly number[];
  readonly shadows: Readonly<Partial<Record<PolicyName, ShadowEntry>>>;
}

/** A reward joined to a logged decision by its event id. */
export interface RewardRecord {
  readonly type: 'reward';
  readonly event_id: string;
  readonly candidate_id: string;
  readonly reward: number;
  readonly ts: string;
}

export type LogRecord = DecisionRecord | RewardRecord;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';

/** Parses one log line; null for a torn or foreign line (the reader counts those and goes on). */
export function parseLogLine(text: string): LogRecord | null {
  const o = parseJsonObjectLine(text);
  if (o === null) return null;
  if (!str(o.event_id) || !str(o.ts) || Number.isNaN(Date.parse(o.ts))) return null;
  if (o.type === 'reward') {
    return str(o.candidate_id) && finite(o.reward) ? (o as unknown as RewardRecord) : null;
  }
  if (o.type !== 'decision') return null;
  const ok =
    str(o.user_id) &&
    str(o.policy) &&
    isPolicyName(o.policy) &&
    str(o.chosen_id) &&
    finite(o.propensity) &&
    o.propensity > 0 &&
    Array.isArray(o.candidates) &&
    o.candidates.every(str) &&
    o.candidates.includes(o.chosen_id) &&
    Array.isArray(o.q) &&
    o.q.length === o.candidates.length &&
    o.q.every(finite) &&
    typeof o.shadows === 'object' &&
    o.shadows !== null &&
    Object.entries(o.shadows).every(
      ([name, s]) => isPolicyName(name) && isShadowEntry(s, o.candidates as unknown[]),
    );
  if (!ok) return null;
  return { ...(o as unknown as DecisionRecord), epsilon: finite(o.epsilon) ? o.epsilon : 0 };
}

function isShadowEntry(s: unknown, candidates: unknown[]): boolean {
  if (typeof s !== 'object' || s === null) return false;
  const e = s as Record<string, unknown>;
  return (
    str(e.chosen_id) &&
    candidates.includes(e.chosen_id) &&
    finite(e.p_chosen) &&
    e.p_chosen >= 0 &&
    e.p_chosen <= 1 &&
    (e.epsilon === undefined || (finite(e.epsilon) && e.epsilon >= 0 && e.epsilon <= 1))
  );
}

/** `YYYY-MM-DD.jsonl`: the UTC day of a record's `ts` names its file. */
export function dayFileName(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 10)}.jsonl`;
}

export function dayOfFileName(name: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(name);
  if (!m) return null;
  const t = Date.parse(`${m[1]}T00:00:00Z`);
  return Number.isNaN(t) ? null : t;
}
