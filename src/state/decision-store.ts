import type { Decision } from './decision-journal.js';

/**
 * Where decisions wait for their rewards (CONTRACT §4): the file journal of one process, or a KV bucket
 * that every replica reads, so that an event scored on one replica is rewardable on another.
 */
export interface DecisionStore {
  readonly kind: string;
  /** Resolves once the decision is durable: only then may its event id leave in a response. */
  record(d: Decision): Promise<void>;
  /** The decision, or null when it is unknown, expired, or its user was reset after it. */
  get(id: string, now?: number): Promise<Decision | null>;
  /** Forgets every decision of the user, durably. */
  resetUser(user: string): Promise<void>;
  close(): Promise<void>;
}
