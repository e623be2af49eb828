import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../errors/app-errors.js';
import { POLICY_NAMES } from '../policies/mod.js';
import type { LmdbEnv } from './lmdb-env.js';
import { APPLIED_KEYS_KEPT, appliedKeysOfDocument } from './policy-state.js';
import type { RawDocuments } from './raw-documents.js';
import {
  type AppliedKeyIndex,
  type DocKey,
  RevisionConflictError,
  type StateStore,
  type Versioned,
} from './state-store.js';
import { isValidUserId } from './user-id.js';

export interface LmdbStoreOptions {
  readonly env: LmdbEnv;
  /** REWARD_WINDOW_S in ms: how long an applied idempotency key is kept. */
  readonly windowMs: number;
  readonly clock: () => number;
  readonly log: Logger;
}

const DOCS: readonly DocKey['doc'][] = [...POLICY_NAMES, 'sync'];
/** Longer applied keys are stored by their hash: LMDB keys are at most ~500 bytes here. */
const MAX_PLAIN_KEY_BYTES = 400;

/**
 * Policy states and sync records in the LMDB environment, with each idempotency key an entry of its own
 * (CONTRACT §4): a reward writes the user's new state and its key in one transaction, and never rewrites
 * the keys of earlier rewards. Writes issued in the same event turn share a commit (and, with FSYNC=1,
 * one sync), so concurrent rewards of different users cost one disk flush per batch.
 */
export class LmdbStateStore implements StateStore, RawDocuments {
  readonly kind = 'lmdb';
  readonly appliedKeys: AppliedKeyIndex;

  constructor(private readonly opts: LmdbStoreOptions) {
    this.appliedKeys = {
      has: (key, idem) => opts.env.applied.get(appliedKeyOf(key, idem)) !== undefined,
    };
  }

  async load(key: DocKey): Promise<Versioned<unknown> | null> {
    const entry = this.opts.env.states.getEntry(docId(key));
    if (!entry) return null;
    return { value: entry.value, revision: entry.version ?? 1 };
  }

  async save(
    key: DocKey,
    value: unknown,
    expectedRevision: number | null,
    newAppliedKeys: readonly string[] = [],
  ): Promise<number> {
    const { states, applied } = this.opts.env;
    const id = docId(key);
    const revision = (expectedRevision ?? 0) + 1;
    const doc = withoutKeys(value);
    const now = this.opts.clock();
    const writes = () => {
      void states.put(id, doc, revision);
      for (const k of newAppliedKeys) void applied.put(appliedKeyOf(key, k), now);
    };
    const ok = await committed(() =>
      expectedRevision === null
        ? states.ifNoExists(id, writes)
        : states.ifVersion(id, expectedRevision, writes),
    );
    if (!ok) throw new RevisionConflictError(key);
    return revision;
  }

  async quarantine(key: DocKey, reason: string): Promise<void> {
    const { states, quarantine } = this.opts.env;
    const id = docId(key);
    const value = states.get(id);
    const aside = `${id}\u0000${this.opts.clock()}`;
    await committed(() =>
      states.transaction(() => {
        if (value !== undefined) void quarantine.put(aside, { value, reason });
        void states.remove(id);
      }),
    );
    this.opts.log.error(
      { user: key.user, doc: key.doc, moved_to: `quarantine/${aside}`, reason },
      'state document unusable; moved aside, user starts cold',
    );
  }

  async delete(key: DocKey): Promise<void> {
    const { states, applied } = this.opts.env;
    const prefix = `${key.doc}\u0000${key.user}\u0000`;
    await committed(() =>
      states.transaction(() => {
        void states.remove(docId(key));
        for (const k of applied.getKeys({ start: prefix, end: `${prefix}\uffff` })) void applied.remove(k);
      }),
    );
  }

  async healthy(): Promise<boolean> {
    return true;
  }

  /** Removes up to `limit` applied keys older than the window, from `after` on; returns where it stopped. */
  async expireAppliedKeys(after: string | null, limit: number): Promise<string | null> {
    const { applied } = this.opts.env;
    const horizon = this.opts.clock() - this.opts.windowMs;
    const old: string[] = [];
    let last: string | null = null;
    for (const { key, value } of applied.getRange({
      ...(after === null ? {} : { start: after, exclusiveStart: true }),
      limit,
    })) {
      last = key as string;
      if (typeof value !== 'number' || value < horizon) old.push(last);
    }
    if (old.length > 0)
      await committed(() =>
        applied.transaction(() => {
          for (const k of old) void applied.remove(k);
        }),
      );
    return last;
  }

  // RawDocuments: the seed layout's JSON, idempotency keys included (the last 1000, oldest first).

  async *keys(): AsyncIterable<DocKey> {
    for (const id of this.opts.env.states.getKeys()) {
      const key = docKeyOfId(id as string);
      if (key) yield key;
    }
  }

  async readRaw(key: DocKey): Promise<Uint8Array | null> {
    const value = this.opts.env.states.get(docId(key));
    if (value === undefined) return null;
    if (key.doc === 'sync') return Buffer.from(`${JSON.stringify(value)}\n`);
    return Buffer.from(`${JSON.stringify({ ...(value as object), applied_keys: this.keysOf(key) })}\n`);
  }

  async writeRaw(key: DocKey, bytes: Uint8Array): Promise<void> {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    await this.put(key, value);
  }

  /** Replaces the document and its keys unconditionally (import and migration own the target). */
  async put(key: DocKey, value: unknown): Promise<void> {
    const { states, applied } = this.opts.env;
    const keys = key.doc === 'sync' ? [] : appliedKeysOfDocument(value);
    const now = this.opts.clock();
    const prefix = `${key.doc}\u0000${key.user}\u0000`;
    const current = states.getEntry(docId(key))?.version ?? 0;
    await committed(() =>
      states.transaction(() => {
        for (const k of applied.getKeys({ start: prefix, end: `${prefix}\uffff` })) void applied.remove(k);
        void states.put(docId(key), withoutKeys(value), current + 1);
        // One millisecond apart, oldest first, so that an export lists them in the order they came in.
        for (const [i, k] of keys.entries())
          void applied.put(appliedKeyOf(key, k), now - (keys.length - 1 - i));
      }),
    );
  }

  private keysOf(key: DocKey): string[] {
    const prefix = `${key.doc}\u0000${key.user}\u0000`;
    const found: { k: string; t: number }[] = [];
    for (const { key: id, value } of this.opts.env.applied.getRange({
      start: prefix,
      end: `${prefix}\uffff`,
    })) {
      const k = (id as string).slice(prefix.length);
      // A hashed key cannot be written back as the original; the seed layout has room for the plain ones.
      if (!k.startsWith('#sha256:')) found.push({ k, t: value as number });
    }
    found.sort((a, b) => a.t - b.t);
    return found.slice(-APPLIED_KEYS_KEPT).map((f) => f.k);
  }

  async close(): Promise<void> {}
}

function docId(key: DocKey): string {
  if (!isValidUserId(key.user)) throw new RangeError(`refusing user id ${JSON.stringify(key.user)}`);
  return `${key.user}\u0000${key.doc}`;
}

function docKeyOfId(id: string): DocKey | null {
  const i = id.indexOf('\u0000');
  const user = id.slice(0, i);
  const doc = id.slice(i + 1) as DocKey['doc'];
  return i > 0 && DOCS.includes(doc) ? { user, doc } : null;
}

function appliedKeyOf(key: DocKey, idem: string): string {
  const k =
    Buffer.byteLength(idem) > MAX_PLAIN_KEY_BYTES
      ? `#sha256:${createHash('sha256').update(idem).digest('hex')}`
      : idem;
  return `${key.doc}\u0000${key.user}\u0000${k}`;
}

function withoutKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (!('applied_keys' in value) && !('applied' in value)) return value;
  const { applied_keys: _ours, applied: _python, ...rest } = value as Record<string, unknown>;
  return rest;
}

/** A failed commit (a full disk, an I/O error) is the store being unavailable: answered 503, never acked. */
export async function committed<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    // The library's reason for a failed commit (ENOSPC, EIO) rides on `commitError`.
    const cause = err instanceof Error && 'commitError' in err ? await settle(err.commitError) : err;
    throw new StoreUnavailableError(mapFullHint(cause));
  }
}

async function settle(p: unknown): Promise<unknown> {
  try {
    await p;
    return new Error('commit failed');
  } catch (reason) {
    return reason;
  }
}

function mapFullHint(err: unknown): unknown {
  if (err instanceof Error && /MDB_MAP_FULL|map ?size/i.test(err.message)) {
    return new Error(
      `${err.message} (the LMDB map is full: raise LMDB_MAP_SIZE_MB, or set it to 0 to grow)`,
      {
        cause: err,
      },
    );
  }
  return err;
}
