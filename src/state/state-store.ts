import type { PolicyName } from '../policies/mod.js';

/** One durable document: a user's state for one policy, or the user's sync record. */
export interface DocKey {
  readonly user: string;
  readonly doc: PolicyName | 'sync';
}

export interface Versioned<T> {
  readonly value: T;
  /** Opaque, increasing per key; 0 never names a stored document. */
  readonly revision: number;
}

export class RevisionConflictError extends Error {
  override readonly name = 'RevisionConflictError';
  constructor(readonly key: DocKey) {
    super(`revision conflict on ${key.doc} of ${key.user}`);
  }
}

/** Applied (event id, candidate id) keys stored apart from the state documents. */
export interface AppliedKeyIndex {
  has(key: DocKey, idempotencyKey: string): boolean;
}

/**
 * Where per-user documents live. Everything above this interface is storage-agnostic: the file store is
 * the first implementation, a replicated one (JetStream KV) the next. Documents are plain JSON values.
 */
export interface StateStore {
  readonly kind: string;
  /** The document and its revision, or null when there is none (or it was unreadable and moved aside). */
  load(key: DocKey): Promise<Versioned<unknown> | null>;
  /**
   * Replaces the document when its current revision is `expectedRevision` (null: it must not exist yet)
   * and resolves once it is durable; otherwise rejects with RevisionConflictError.
   */
  save(
    key: DocKey,
    value: unknown,
    expectedRevision: number | null,
    newAppliedKeys?: readonly string[],
  ): Promise<number>;
  /**
   * Stores that keep each idempotency key as an entry of its own (CONTRACT §4: lmdb) say so here; the
   * repository then checks keys with it and hands the new ones to `save`, which commits them with the
   * state in one transaction, instead of keeping them in the document.
   */
  readonly appliedKeys?: AppliedKeyIndex;
  /** Moves an unusable document aside (never deletes it) so that the user starts cold. */
  quarantine(key: DocKey, reason: string): Promise<void>;
  /** Removes the document; a missing one is no error. */
  delete(key: DocKey): Promise<void>;
  /**
   * Stores whose compare-and-set can let two writers with the same expected revision both succeed
   * (clustered JetStream before nats-server 2.9.21, nats-io/nats-server#4320) tell the writer at
   * `revision` which documents its write replaced unseen, so that it re-applies their last operations.
   * Others leave it out. Each revision returned by this store's save is asked about once.
   */
  overwritten?(key: DocKey, revision: number): Promise<unknown[]>;
  /**
   * With `overwritten`: a save that was reported failed (a timeout) may land later; the store then calls
   * the handler with its revision, which is asked about with `overwritten` like any other.
   */
  onLateWrite?(handler: (key: DocKey, revision: number) => void): void;
  /** Whether the store can take writes right now. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}
