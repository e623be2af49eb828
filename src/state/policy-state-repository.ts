import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { uuidv7 } from 'uuidv7';
import { rankOneUpdate } from '../../kernels/reference/mod.js';
import { StoreUnavailableError, ValidationError } from '../errors/app-errors.js';
import type { PolicyName } from '../policies/mod.js';
import { foldRewards, logSeqOf, messageIdOf, snapshotOf } from './logged-states.js';
import {
  cloneState,
  coldState,
  fromDocument,
  type PolicyState,
  posteriorOf,
  rememberAppliedKey,
  toDocument,
} from './policy-state.js';
import type { RewardLog } from './reward-log.js';
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
  /** The update would have left A, b or θ non-finite or A not positive definite: nothing changed. */
  readonly refused?: boolean;
}

/** 422: the reward's vector would make the user's state unusable (CONTRACT §1: numbers stay finite). */
export class UnusableUpdateError extends ValidationError {
  constructor() {
    super(
      [
        {
          loc: ['body'],
          msg: 'this reward would make the bandit state non-finite or singular; nothing was changed',
          type: 'unusable_update',
        },
      ],
      'this reward would make the bandit state non-finite or singular; nothing was changed',
    );
    this.name = 'UnusableUpdateError';
  }
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
  /** With a reward log: the last log sequence the state includes (0: none). */
  readonly seq?: number;
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
  /**
   * When set, rewards are appended to this log before they are acknowledged, and stored documents are
   * snapshots of it (see LoggedStates): a lost or doubled document write then costs a re-fold, never a
   * reward.
   */
  readonly rewardLog?: RewardLog;
  /** With a reward log: how long after an acknowledged reward its snapshot is written (0: at once). */
  readonly snapshotDelayMs?: number;
}

const MAX_CAS_RETRIES = 16;
/** A snapshot write that failed (store unavailable) is tried again this often, this many times. */
const SNAPSHOT_RETRY_MS = 1000;
const SNAPSHOT_ATTEMPTS = 10;

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
  /** With a reward log: the newest state of each key whose snapshot is not written yet. */
  private readonly dirty = new Map<
    string,
    { policy: PolicyName; user: string; entry: Entry; attempt: number }
  >();
  private readonly snapshotTimers = new Map<string, NodeJS.Timeout>();
  private readonly snapshotWrites = new Map<string, Promise<void>>();

  constructor(
    private readonly store: StateStore,
    private readonly opts: RepositoryOptions,
  ) {
    this.cache = new LRUCache({ max: opts.cacheSize, ...(opts.maxAgeMs ? { ttl: opts.maxAgeMs } : {}) });
    // With a reward log a lost write costs a re-fold: nothing to carry forward.
    if (!opts.rewardLog)
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
    if (hit && this.opts.rewardLog) {
      this.refreshSnapshot(k, policy, user, hit, stored, revision);
      return;
    }
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

  /**
   * Reward-log mode: snapshots are ordered by the log sequence they include, not by revision. A newer
   * one replaces the hot copy; an older one (or this replica's own echo) only lends its revision, the
   * compare-and-set token of the next snapshot write. A deletion is a reset elsewhere.
   */
  private refreshSnapshot(
    k: string,
    policy: PolicyName,
    user: string,
    hit: Entry,
    stored: Versioned<unknown> | null,
    revision: number,
  ): void {
    if (stored === null) {
      // A copy with no snapshot behind it is this replica's own reset (or newer): the echo changes nothing.
      if (hit.revision === null || revision <= hit.revision) return;
      this.dirty.delete(k);
      this.cache.set(k, { state: coldState(policy, this.opts.lambda), revision: null, seq: 0 });
      this.opts.onChange?.(policy, user, null);
      return;
    }
    const seq = logSeqOf(stored.value);
    if (seq > (hit.seq ?? 0)) {
      const state = fromDocument(policy, stored.value);
      if ('problem' in state) {
        this.cache.delete(k);
        return;
      }
      this.cache.set(k, { state, revision: stored.revision, seq });
      this.opts.onChange?.(policy, user, state);
    } else if (hit.revision === null || stored.revision > hit.revision) {
      this.cache.set(k, { ...hit, revision: stored.revision });
    }
  }

  /** Drops every hot copy (change notifications may have been missed, e.g. while reconnecting). */
  invalidateAll(): void {
    this.cache.clear();
  }

  /** Resolves when every queued write has been committed or has failed. */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()].map((q) => q.done));
    // Pending snapshots are written now (on shutdown, say) instead of after their delay.
    for (const [k, timer] of this.snapshotTimers) {
      clearTimeout(timer);
      this.snapshotTimers.delete(k);
      this.startSnapshot(k);
    }
    while (this.snapshotWrites.size > 0) await Promise.allSettled([...this.snapshotWrites.values()]);
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
    if (this.opts.rewardLog) return this.loadLogged(policy, user, this.opts.rewardLog);
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
        for (const [i, p] of batch.entries()) {
          const o = outcomes[i]!;
          if (o.refused) p.reject(new UnusableUpdateError());
          else p.resolve(o);
        }
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    // Same tick as the emptiness check above, so no op can be queued behind a finished drain.
    this.queues.delete(cacheKey(policy, user));
  }

  private async commitRewards(policy: PolicyName, user: string, given: RewardOp[]): Promise<RewardOutcome[]> {
    if (this.opts.rewardLog) return this.commitLogged(policy, user, given, this.opts.rewardLog);
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
    if (this.opts.rewardLog) {
      // No pending snapshot may bring the old state back, and the log must not fold it back either.
      const k = cacheKey(policy, user);
      clearTimeout(this.snapshotTimers.get(k));
      this.snapshotTimers.delete(k);
      this.dirty.delete(k);
      await this.snapshotWrites.get(k);
      await this.opts.rewardLog.purge(policy, user);
    }
    await this.store.delete({ user, doc: policy });
    this.cache.set(cacheKey(policy, user), {
      state: coldState(policy, this.opts.lambda),
      revision: null,
      ...(this.opts.rewardLog ? { seq: 0 } : {}),
    });
    this.opts.onChange?.(policy, user, null);
    return { applied: true, nUpdates: 0 };
  }

  /** Reward-log mode: the stored snapshot, then the user's rewards logged after it, folded in. */
  private async loadLogged(policy: PolicyName, user: string, rewardLog: RewardLog): Promise<Entry> {
    const key: DocKey = { user, doc: policy };
    const k = cacheKey(policy, user);
    let stored = await this.store.load(key);
    const seen = this.seenWhileLoading.get(k);
    // A reset seen while loading: the snapshot read may predate it (the log was purged with it).
    if (seen && seen.stored === null && seen.revision > (stored?.revision ?? 0)) stored = null;
    let state = coldState(policy, this.opts.lambda);
    let revision: number | null = null;
    let seq = 0;
    if (stored !== null) {
      const parsed = fromDocument(policy, stored.value);
      if ('problem' in parsed) {
        // Moved aside; the log still has what it holds, so the fold from the start rebuilds it.
        await this.store.quarantine(key, parsed.problem);
      } else {
        state = parsed;
        revision = stored.revision;
        seq = logSeqOf(stored.value);
      }
    }
    const rewards = await rewardLog.read(policy, user, seq);
    if (rewards.length > 0) {
      foldRewards(state, rewards);
      seq = rewards.at(-1)!.seq;
    }
    const entry: Entry = { state, revision, seq };
    const current = this.cache.get(k);
    if (current && (current.seq ?? 0) >= seq) return current;
    this.cache.set(k, entry);
    // Rewards another replica acknowledged but did not snapshot (it died, say): this one writes them.
    if (rewards.length > 0) this.scheduleSnapshot(policy, user, entry);
    return entry;
  }

  /**
   * Reward-log mode: every reward is appended to the log (the acknowledgement waits for its quorum), then
   * the user's rewards after the hot copy's sequence (this replica's and any other's) are folded in, so
   * the hot copy includes every acknowledged reward: read-your-writes. The snapshot is written after.
   */
  private async commitLogged(
    policy: PolicyName,
    user: string,
    ops: RewardOp[],
    rewardLog: RewardLog,
  ): Promise<RewardOutcome[]> {
    const k = cacheKey(policy, user);
    const base = await this.entry(policy, user);
    const baseSeq = base.seq ?? 0;
    // A key the state has applied (or an earlier op of the batch carries) is answered without a publish.
    const keys = new Set<string>();
    const fresh: number[] = [];
    for (const [i, op] of ops.entries()) {
      const key = op.idempotencyKey;
      if (key !== null && (base.state.appliedSet?.has(key) || keys.has(key))) continue;
      if (key !== null) keys.add(key);
      fresh.push(i);
    }
    if (fresh.length === 0) return ops.map(() => ({ applied: false, nUpdates: base.state.nUpdates }));
    const d = base.state.d;
    const appended = await Promise.all(
      fresh.map((i) => {
        const op = ops[i]!;
        const x = Array.from({ length: d }, (_, j) => op.x[j]!);
        return rewardLog.append(
          policy,
          user,
          { x, reward: op.reward, key: op.idempotencyKey, ts: op.ts },
          messageIdOf(policy, op.idempotencyKey),
        );
      }),
    );
    const lastSeq = Math.max(...appended.map((a) => a.seq));
    // Up to this request's last reward: one read less than going to the end, and still a prefix of the
    // user's history (later rewards of other replicas are folded by the next write or read).
    let rewards = await rewardLog.read(policy, user, baseSeq, lastSeq);
    // The stream leader answers reads and has every acknowledged message; a new leader may not have
    // caught up with its log for a moment.
    for (let attempt = 0; (rewards.at(-1)?.seq ?? baseSeq) < lastSeq; attempt++) {
      if (attempt >= 5) throw new StoreUnavailableError(new Error(`reward ${lastSeq} not readable yet`));
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      rewards = await rewardLog.read(policy, user, baseSeq, lastSeq);
    }
    const next = cloneState(base.state);
    const applied = foldRewards(next, rewards);
    const seq = rewards.at(-1)?.seq ?? baseSeq;
    const outcomes: RewardOutcome[] = ops.map(() => ({ applied: false, nUpdates: next.nUpdates }));
    for (const [j, i] of fresh.entries()) {
      const a = appended[j]!;
      outcomes[i] = { applied: !a.duplicate && applied.has(a.seq), nUpdates: next.nUpdates };
    }
    const current = this.cache.peek(k);
    if (!current || (current.seq ?? 0) <= seq) {
      const revision = Math.max(base.revision ?? 0, current?.revision ?? 0);
      const entry: Entry = { state: next, revision: revision === 0 ? null : revision, seq };
      this.cache.set(k, entry);
      this.opts.onChange?.(policy, user, next);
      this.scheduleSnapshot(policy, user, entry);
    }
    return outcomes;
  }

  /** Writes the key's newest state as its snapshot after `snapshotDelayMs` (one write for a burst). */
  private scheduleSnapshot(policy: PolicyName, user: string, entry: Entry, attempt = 0): void {
    const k = cacheKey(policy, user);
    const prev = this.dirty.get(k);
    if (prev && (prev.entry.seq ?? 0) > (entry.seq ?? 0)) return;
    this.dirty.set(k, { policy, user, entry, attempt: Math.max(attempt, prev?.attempt ?? 0) });
    if (this.snapshotTimers.has(k) || this.snapshotWrites.has(k)) return;
    const delay = attempt > 0 ? SNAPSHOT_RETRY_MS : (this.opts.snapshotDelayMs ?? 0);
    const timer = setTimeout(() => {
      this.snapshotTimers.delete(k);
      this.startSnapshot(k);
    }, delay);
    timer.unref();
    this.snapshotTimers.set(k, timer);
  }

  private startSnapshot(k: string): void {
    const d = this.dirty.get(k);
    if (!d) return;
    this.dirty.delete(k);
    let failed = false;
    const write = this.writeSnapshot(d.policy, d.user, d.entry)
      .catch((err: unknown) => {
        failed = true;
        this.opts.log.warn(
          { err, user: d.user, policy: d.policy, attempt: d.attempt },
          'snapshot write failed; the reward log keeps the rewards',
        );
      })
      .finally(() => {
        this.snapshotWrites.delete(k);
        const again = this.dirty.get(k);
        if (again) this.dirty.delete(k);
        const retry = failed && d.attempt + 1 < SNAPSHOT_ATTEMPTS;
        if (again) this.scheduleSnapshot(again.policy, again.user, again.entry, retry ? d.attempt + 1 : 0);
        else if (retry) this.scheduleSnapshot(d.policy, d.user, d.entry, d.attempt + 1);
      });
    this.snapshotWrites.set(k, write);
  }

  /**
   * Compare-and-set of the snapshot. A conflict means another replica wrote one: when it includes as
   * much of the log, this one is not needed; when less, this state (a fold of a longer prefix of the
   * same log) goes over it. A deleted document is a reset: nothing is written.
   */
  private async writeSnapshot(policy: PolicyName, user: string, given: Entry): Promise<void> {
    const k = cacheKey(policy, user);
    const key: DocKey = { user, doc: policy };
    const hot = this.cache.peek(k);
    const entry = hot && (hot.seq ?? 0) >= (given.seq ?? 0) ? hot : given;
    const seq = entry.seq ?? 0;
    let expected = entry.revision;
    for (let attempt = 0; ; attempt++) {
      try {
        const revision = await this.store.save(key, snapshotOf(entry.state, seq), expected);
        const now = this.cache.peek(k);
        if (now && (now.seq ?? 0) >= seq && (now.revision ?? 0) < revision)
          this.cache.set(k, { ...now, revision });
        return;
      } catch (err) {
        if (!(err instanceof RevisionConflictError) || attempt >= MAX_CAS_RETRIES) throw err;
      }
      const current = await this.store.load(key);
      if (current === null ? expected !== null : logSeqOf(current.value) >= seq) return;
      expected = current?.revision ?? null;
    }
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
  // d ≤ 12: keeping the previous A and b to put back costs less than a microsecond.
  const a = s.a.slice();
  const b = s.b.slice();
  rankOneUpdate(s.a, s.b, op.x, op.reward, s.d);
  if (!stillUsable(s)) {
    s.a.set(a);
    s.b.set(b);
    return { applied: false, nUpdates: s.nUpdates, refused: true };
  }
  s.nUpdates += 1;
  s.totalReward += op.reward;
  s.lastUpdateTs = op.ts;
  if (op.idempotencyKey !== null) rememberAppliedKey(s, op.idempotencyKey);
  return { applied: true, nUpdates: s.nUpdates };
}

/**
 * A state every later request can use: A, b finite, A positive definite (Cholesky succeeds) and θ
 * finite. A reward that would break this is refused, so no state that cannot be factorized is saved.
 */
export function stillUsable(s: PolicyState): boolean {
  for (const v of s.a) if (!Number.isFinite(v)) return false;
  for (const v of s.b) if (!Number.isFinite(v)) return false;
  try {
    const { theta, ainv } = posteriorOf(s);
    for (const v of theta) if (!Number.isFinite(v)) return false;
    for (const v of ainv) if (!Number.isFinite(v)) return false;
    return true;
  } catch {
    return false;
  }
}
