import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import { rankOneUpdate } from '../../kernels/reference/mod.js';
import type { PolicyName } from '../policies/policy-names.js';
import {
  cloneState,
  coldState,
  fromDocument,
  type PolicyState,
  rememberAppliedKey,
  toDocument,
} from './policy-state.js';
import { type DocKey, RevisionConflictError, type StateStore, type Versioned } from './state-store.js';

export interface RewardOp {
  readonly kind: 'reward';
  /** The policy's feature vector (its first d entries are read). */
  readonly x: ArrayLike<number>;
  readonly reward: number;
  /** `${event_id}\u0000${candidate_id}` when the reward is idempotent, else null. */
  readonly idempotencyKey: string | null;
  readonly ts: string;
}

export interface RewardOutcome {
  readonly applied: boolean;
  readonly nUpdates: number;
}

interface ResetOp {
  readonly kind: 'reset';
}

type Op = RewardOp | ResetOp;

interface Pending {
  readonly op: Op;
  resolve(o: RewardOutcome): void;
  reject(e: unknown): void;
}

interface Entry {
  readonly state: PolicyState;
  /** The store's revision of the document this state came from; null when there is none. */
  readonly revision: number | null;
}

export interface RepositoryOptions {
  readonly lambda: number;
  readonly cacheSize: number;
  /**
   * When set, a hot copy older than this is read again from the store: a bound on how stale a copy can
   * get when change notifications from other replicas are delayed or lost (a watch whose consumer died
   * with its server). 0 or unset: copies stay until evicted (one process owns the store).
   */
  readonly maxAgeMs?: number;
  readonly log: Logger;
  /** Told after every committed change, so resident copies (kernel slabs) can follow. */
  readonly onChange?: (policy: PolicyName, user: string, state: PolicyState | null) => void;
}

const MAX_CAS_RETRIES = 16;

/**
 * Users' policy states: a bounded LRU of hot users over a StateStore. Writes to one (user, policy) are
 * serialized through one queue; what queued up while a write was in flight is applied together and
 * written once (group commit), and every waiter resolves only after that write is durable.
 */
export class PolicyStateRepository {
  private readonly cache: LRUCache<string, Entry>;
  private readonly loading = new Map<string, Promise<Entry>>();
  /** Changes watched while a load of the same key was in flight: the load may have read older state. */
  private readonly seenWhileLoading = new Map<
    string,
    { stored: Versioned<unknown> | null; revision: number }
  >();
  private readonly queues = new Map<string, { pending: Pending[]; done: Promise<void> }>();

  constructor(
    private readonly store: StateStore,
    private readonly opts: RepositoryOptions,
  ) {
    this.cache = new LRUCache({ max: opts.cacheSize, ...(opts.maxAgeMs ? { ttl: opts.maxAgeMs } : {}) });
    store.onLateWrite?.((key, revision) => {
      if (key.doc !== 'sync') void this.carryForward(key.doc, key.user, revision);
    });
  }

  /** Re-applies what the write at `revision` replaced unseen (see StateStore.overwritten). */
  private async carryForward(policy: PolicyName, user: string, revision: number): Promise<void> {
    try {
      const lost = (await this.store.overwritten?.({ user, doc: policy }, revision)) ?? [];
      await Promise.all(lost.flatMap(opsOf).map((op) => this.apply(policy, user, op)));
    } catch (err) {
      this.opts.log.error({ err, user, policy, revision }, 'could not carry overwritten rewards forward');
    }
  }

  get cachedEntries(): number {
    return this.cache.size;
  }

  /** The current state (cold when the user has none). Callers must not mutate it. */
  async get(policy: PolicyName, user: string): Promise<PolicyState> {
    return (await this.entry(policy, user)).state;
  }

  apply(policy: PolicyName, user: string, op: RewardOp): Promise<RewardOutcome> {
    return this.enqueue(policy, user, op);
  }

  /** Deletes the user's document for `policy`, ordered with that policy's writes. */
  async reset(policy: PolicyName, user: string): Promise<void> {
    await this.enqueue(policy, user, { kind: 'reset' });
  }

  /** Drops a cached copy so that the next read goes to the store (another replica changed it). */
  invalidate(policy: PolicyName, user: string): void {
    const k = cacheKey(policy, user);
    if (!this.queues.has(k)) this.cache.delete(k);
  }

  /**
   * A change committed by any replica, as the store's watch saw it (null: deleted). A hot copy older than
   * it is replaced, and onChange tells resident copies; a user who is not hot is left to the next read.
   * The echo of this replica's own write carries the revision the cache already has and changes nothing.
   */
  refresh(policy: PolicyName, user: string, stored: Versioned<unknown> | null, revision: number): void {
    const k = cacheKey(policy, user);
    if (this.loading.has(k)) {
      this.seenWhileLoading.set(k, { stored, revision });
      return;
    }
    const hit = this.cache.peek(k);
    if (!hit || (hit.revision !== null && hit.revision >= revision)) return;
    if (stored === null) {
      if (hit.revision === null) return;
      this.cache.set(k, { state: coldState(policy, this.opts.lambda), revision: null });
      this.opts.onChange?.(policy, user, null);
      return;
    }
    const state = fromDocument(policy, stored.value);
    if ('problem' in state) {
      this.cache.delete(k);
      return;
    }
    this.cache.set(k, { state, revision: stored.revision });
    this.opts.onChange?.(policy, user, state);
  }

  /** Drops every hot copy (change notifications may have been missed, e.g. while reconnecting). */
  invalidateAll(): void {
    this.cache.clear();
  }

  /** Resolves when every queued write has been committed or has failed. */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()].map((q) => q.done));
  }

  private entry(policy: PolicyName, user: string): Promise<Entry> {
    const k = cacheKey(policy, user);
    const hit = this.cache.get(k);
    if (hit) return Promise.resolve(hit);
    let p = this.loading.get(k);
    if (!p) {
      p = this.load(policy, user).finally(() => {
        this.loading.delete(k);
        this.seenWhileLoading.delete(k);
      });
      this.loading.set(k, p);
    }
    return p;
  }

  private async load(policy: PolicyName, user: string): Promise<Entry> {
    const key: DocKey = { user, doc: policy };
    let stored = await this.store.load(key);
    const seen = this.seenWhileLoading.get(cacheKey(policy, user));
    if (seen && (stored === null || seen.revision > stored.revision)) stored = seen.stored;
    let entry: Entry;
    if (stored === null) {
      entry = { state: coldState(policy, this.opts.lambda), revision: null };
    } else {
      const state = fromDocument(policy, stored.value);
      if ('problem' in state) {
        await this.store.quarantine(key, state.problem);
        entry = { state: coldState(policy, this.opts.lambda), revision: null };
      } else {
        entry = { state, revision: stored.revision };
      }
    }
    // A write may have committed while this load was in flight; the cache then already holds newer state.
    const current = this.cache.get(cacheKey(policy, user));
    if (current) return current;
    this.cache.set(cacheKey(policy, user), entry);
    return entry;
  }

  private enqueue(policy: PolicyName, user: string, op: Op): Promise<RewardOutcome> {
    const k = cacheKey(policy, user);
    return new Promise<RewardOutcome>((resolve, reject) => {
      let q = this.queues.get(k);
      if (q) {
        q.pending.push({ op, resolve, reject });
        return;
      }
      const pending: Pending[] = [{ op, resolve, reject }];
      q = { pending, done: Promise.resolve() };
      this.queues.set(k, q);
      q.done = this.drain(policy, user, pending);
    });
  }

  private async drain(policy: PolicyName, user: string, pending: Pending[]): Promise<void> {
    while (pending.length > 0) {
      // A reset is committed on its own; rewards queued before the next reset are committed together.
      const first = pending[0]!;
      const n = first.op.kind === 'reset' ? 1 : leadingRewards(pending);
      const batch = pending.splice(0, n);
      try {
        const outcomes =
          first.op.kind === 'reset'
            ? [await this.commitReset(policy, user)]
            : await this.commitRewards(
                policy,
                user,
                batch.map((p) => p.op as RewardOp),
              );
        for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    // Same tick as the emptiness check above, so no op can be queued behind a finished drain.
    this.queues.delete(cacheKey(policy, user));
  }

  private async commitRewards(policy: PolicyName, user: string, given: RewardOp[]): Promise<RewardOutcome[]> {
    const k = cacheKey(policy, user);
    // Where a write may have to be re-applied, every reward needs a key, so that it never counts twice.
    const ops = this.store.overwritten
      ? given.map((op) => (op.idempotencyKey === null ? { ...op, idempotencyKey: `auto:${uuidv7()}` } : op))
      : given;
    const key: DocKey = { user, doc: policy };
    const index = this.store.appliedKeys;
    for (let attempt = 0; ; attempt++) {
      const base = await this.entry(policy, user);
      const next = cloneState(base.state);
      // Keys kept apart (lmdb): checked against the store, and committed with the state, not inside it.
      const outcomes = index
        ? applyWithIndex(next, ops, (k) => index.has(key, k))
        : ops.map((op) => applyReward(next, op));
      if (!outcomes.some((o) => o.applied)) return outcomes;
      let revision: number;
      try {
        const doc = toDocument(next);
        const stored = this.store.overwritten ? { ...doc, last_ops: lastOps(ops, outcomes) } : doc;
        revision = index
          ? await this.store.save(key, stored, base.revision, newKeys(ops, outcomes))
          : await this.store.save(key, stored, base.revision);
      } catch (err) {
        if (!(err instanceof RevisionConflictError) || attempt >= MAX_CAS_RETRIES) throw err;
        // Another writer (a replica) got there first: re-read and re-apply, idempotency keys included.
        this.cache.delete(k);
        continue;
      }
      this.cache.set(k, { state: next, revision });
      this.opts.onChange?.(policy, user, next);
      // A write that replaced another one unseen carries that one's operations forward before it is
      // acknowledged; idempotency keys keep them from counting twice.
      const lost = (await this.store.overwritten?.(key, revision)) ?? [];
      const carried = lost.flatMap(opsOf);
      if (carried.length > 0) {
        this.opts.log.warn(
          { user, policy, revision, carried: carried.length },
          're-applying overwritten rewards',
        );
        await this.commitRewards(policy, user, carried);
        // A reward both writes applied was acknowledged as applied by the other one first.
        const theirs = new Set(carried.map((op) => op.idempotencyKey).filter((key) => key !== null));
        return outcomes.map((o, i) =>
          o.applied && theirs.has(ops[i]!.idempotencyKey ?? '') ? { ...o, applied: false } : o,
        );
      }
      return outcomes;
    }
  }

  private async commitReset(policy: PolicyName, user: string): Promise<RewardOutcome> {
    await this.store.delete({ user, doc: policy });
    this.cache.set(cacheKey(policy, user), { state: coldState(policy, this.opts.lambda), revision: null });
    this.opts.onChange?.(policy, user, null);
    return { applied: true, nUpdates: 0 };
  }
}

/** What a write added to its base, stored with it so that a writer that replaced it can re-apply it. */
interface StoredOp {
  x: number[];
  r: number;
  k: string | null;
  ts: string;
}

function lastOps(ops: RewardOp[], outcomes: RewardOutcome[]): StoredOp[] {
  return ops
    .filter((_, i) => outcomes[i]!.applied)
    .map((op) => ({ x: Array.from(op.x), r: op.reward, k: op.idempotencyKey, ts: op.ts }));
}

function opsOf(doc: unknown): RewardOp[] {
  const stored = (doc as { last_ops?: unknown }).last_ops;
  if (!Array.isArray(stored)) return [];
  return (stored as StoredOp[]).map((o) => ({
    kind: 'reward',
    x: o.x,
    reward: o.r,
    idempotencyKey: o.k,
    ts: o.ts,
  }));
}

function cacheKey(policy: PolicyName, user: string): string {
  return `${policy}\u0000${user}`;
}

function leadingRewards(pending: Pending[]): number {
  let n = 0;
  while (n < pending.length && pending[n]!.op.kind === 'reward') n++;
  return n;
}

function applyWithIndex(s: PolicyState, ops: RewardOp[], stored: (k: string) => boolean): RewardOutcome[] {
  const seen = new Set<string>();
  return ops.map((op) => {
    const k = op.idempotencyKey;
    if (k !== null && (seen.has(k) || s.appliedSet?.has(k) || stored(k)))
      return { applied: false, nUpdates: s.nUpdates };
    if (k !== null) seen.add(k);
    return applyReward(s, { ...op, idempotencyKey: null });
  });
}

function newKeys(ops: RewardOp[], outcomes: RewardOutcome[]): string[] {
  return ops.flatMap((op, i) =>
    outcomes[i]!.applied && op.idempotencyKey !== null ? [op.idempotencyKey] : [],
  );
}

function applyReward(s: PolicyState, op: RewardOp): RewardOutcome {
  if (op.idempotencyKey !== null && s.appliedSet?.has(op.idempotencyKey)) {
    return { applied: false, nUpdates: s.nUpdates };
  }
  rankOneUpdate(s.a, s.b, op.x, op.reward, s.d);
  s.nUpdates += 1;
  s.totalReward += op.reward;
  s.lastUpdateTs = op.ts;
  if (op.idempotencyKey !== null) rememberAppliedKey(s, op.idempotencyKey);
  return { applied: true, nUpdates: s.nUpdates };
}
