import { createHash } from 'node:crypto';
import { uuidv7 } from 'uuidv7';
import { rankOneUpdate } from '../../kernels/reference/mod.js';
import type { PolicyName } from '../policies/mod.js';
import { type PolicyState, rememberAppliedKey, toDocument } from './policy-state.js';
import type { LoggedReward } from './reward-log.js';

/**
 * Pure helpers of the reward-log mode: a stored document is a snapshot, the fold of a user's logged
 * rewards up to the sequence it is tagged with (`log_seq`). Every replica folds a user's rewards in log
 * order and skips keys it has applied, so any two snapshots are prefixes of the same history: the newer
 * one wins, and an older one written over it loses nothing (the log still has the rest).
 */

/** The sequence a stored document includes; 0 for one written without a log (it is folded from the start). */
export function logSeqOf(doc: unknown): number {
  const seq = (doc as { log_seq?: unknown } | null)?.log_seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

export function snapshotOf(state: PolicyState, seq: number): unknown {
  return { ...toDocument(state), log_seq: seq };
}

/**
 * Applies `rewards` (in log order, all above the state's sequence) to `state` in place; a reward whose key
 * the state has applied changes nothing. Returns the sequences that were applied.
 */
export function foldRewards(state: PolicyState, rewards: readonly LoggedReward[]): Set<number> {
  const applied = new Set<number>();
  for (const r of rewards) {
    if (r.key !== null && state.appliedSet?.has(r.key)) continue;
    rankOneUpdate(state.a, state.b, r.x, r.reward, state.d);
    state.nUpdates += 1;
    state.totalReward += r.reward;
    state.lastUpdateTs = r.ts;
    if (r.key !== null) rememberAppliedKey(state, r.key);
    applied.add(r.seq);
  }
  return applied;
}

/**
 * The log's message id of a reward: the same (policy, key) always gives the same id, so the log drops a
 * repeat inside its duplicate window; a reward without a key gets a fresh one. Hashed, because keys carry
 * any characters (a header value may not).
 */
export function messageIdOf(policy: PolicyName, key: string | null): string {
  if (key === null) return `nokey-${uuidv7()}`;
  return createHash('sha256').update(`${policy}\u0000${key}`).digest('base64url');
}
