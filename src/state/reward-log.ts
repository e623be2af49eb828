import type { PolicyName } from '../policies/mod.js';

/** One reward as the log holds it: what a fold needs to apply it. */
export interface LoggedReward {
  /** Its sequence in the log: folds apply a user's rewards in this order. */
  readonly seq: number;
  /** The policy's feature vector (d entries). */
  readonly x: number[];
  readonly reward: number;
  /** The idempotency key, or null for a reward without one. */
  readonly key: string | null;
  readonly ts: string;
}

export interface AppendedReward {
  readonly seq: number;
  /** The log already held a reward with this message id: `seq` is that one's. */
  readonly duplicate: boolean;
}

/**
 * A replicated, ordered log of rewards (the `rewards` stream with STATE_BACKEND=nats-kv): the source of
 * truth of users' policy states, whose stored documents are snapshots of it tagged with the last
 * sequence they include. See docs/scaling-out.md.
 */
export interface RewardLog {
  /**
   * Appends a reward and resolves once the log has it durably (a quorum of its replicas). A reward with
   * the same `messageId` appended within the log's duplicate window is not stored twice.
   */
  append(
    policy: PolicyName,
    user: string,
    reward: Omit<LoggedReward, 'seq'>,
    messageId: string,
  ): Promise<AppendedReward>;
  /**
   * The user's rewards for `policy` with a sequence above `after`, in order: all of them, or, with
   * `until`, those up to the first at or above it (a prefix, which is all a fold needs).
   */
  read(policy: PolicyName, user: string, after: number, until?: number): Promise<LoggedReward[]>;
  /** Removes every reward of the user for `policy` (a reset). */
  purge(policy: PolicyName, user: string): Promise<void>;
}
