import type { ScoredEvent } from './scored-event-journal.js';

/**
 * Where scored events (what /score decided, under its event id) wait for their rewards (CONTRACT §4).
 * Not the decision log of evaluation/decision-log.ts, which keeps /recommend's choices for offline
 * evaluation. Kept in the file journal of one process, LMDB, or a KV bucket that every replica reads,
 * so that an event scored on one replica is rewardable on another.
 */
export interface ScoredEventStore {
  readonly kind: string;
  /** Resolves once the decision is durable: only then may its event id leave in a response. */
  record(d: ScoredEvent): Promise<void>;
  /** The decision, or null when it is unknown, expired, or its user was reset after it. */
  get(id: string, now?: number): Promise<ScoredEvent | null>;
  /** Forgets every decision of the user, durably. */
  resetUser(user: string): Promise<void>;
  close(): Promise<void>;
}
