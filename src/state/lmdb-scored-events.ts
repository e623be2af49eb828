import { LRUCache } from 'lru-cache';
import type { LmdbEnv } from './lmdb-env.js';
import { committed } from './lmdb-store.js';
import { decodeScoredEvent, encodeScoredEvent } from './scored-event-codec.js';
import type { ScoredEvent } from './scored-event-journal.js';
import type { ScoredEventStore } from './scored-event-store.js';

export interface LmdbScoredEventStoreOptions {
  readonly env: LmdbEnv;
  readonly windowMs: number;
  /** DECISION_CACHE_BYTES: the hot decisions kept decoded in the heap, bounded by their size. */
  readonly cacheBytes: number;
  readonly clock: () => number;
}

/**
 * Decisions in the LMDB environment, keyed by event id. Event ids are UUIDv7, so the keys sort by the
 * time they were scored: expiry removes the range below the window's start, a bounded chunk per
 * transaction. A lookup is one B-tree read whatever the decision's age; only a small LRU, bounded in
 * bytes, keeps decoded decisions in the heap.
 */
export class LmdbScoredEventStore implements ScoredEventStore {
  readonly kind = 'lmdb';
  private readonly hot: LRUCache<string, ScoredEvent>;

  constructor(private readonly opts: LmdbScoredEventStoreOptions) {
    this.hot = new LRUCache({
      maxSize: Math.max(1, opts.cacheBytes),
      sizeCalculation: (d) => d.x.byteLength + 48 * (d.ids.length + 4),
    });
  }

  get cached(): number {
    return this.hot.size;
  }

  get cachedBytes(): number {
    return this.hot.calculatedSize;
  }

  async record(d: ScoredEvent): Promise<void> {
    await committed(() => this.opts.env.decisions.put(d.id, encodeScoredEvent(d)));
    this.hot.set(d.id, d);
  }

  async get(id: string, now = this.opts.clock()): Promise<ScoredEvent | null> {
    let d: ScoredEvent | null | undefined = this.hot.get(id);
    if (d === undefined) {
      const bytes = this.opts.env.decisions.getBinary(id);
      d = bytes ? decodeScoredEvent(id, bytes) : null;
    }
    if (!d) return null;
    if (now - d.t > this.opts.windowMs) return null;
    const reset = this.opts.env.resets.get(d.user) as number | undefined;
    if (reset !== undefined && reset >= d.t) return null;
    return d;
  }

  async resetUser(user: string): Promise<void> {
    for (const [id, d] of this.hot.entries()) if (d.user === user) this.hot.delete(id);
    await committed(() => this.opts.env.resets.put(user, this.opts.clock()));
  }

  /**
   * Removes up to `limit` decisions scored before the window, oldest first; returns how many. Keys that
   * are not UUIDv7 (none are written) sort after every UUIDv7 and are never removed here.
   */
  async expire(limit: number): Promise<number> {
    const { decisions, resets } = this.opts.env;
    const horizon = this.opts.clock() - this.opts.windowMs;
    const old = [...decisions.getKeys({ end: uuidv7Floor(horizon), limit })];
    const oldResets: string[] = [];
    for (const { key, value } of resets.getRange({ limit }))
      if ((value as number) < horizon) oldResets.push(key as string);
    if (old.length + oldResets.length > 0) {
      await committed(() =>
        decisions.transaction(() => {
          for (const k of old) void decisions.remove(k);
          for (const k of oldResets) void resets.remove(k);
        }),
      );
    }
    return old.length;
  }

  async close(): Promise<void> {}
}

/** The smallest UUIDv7 string of millisecond `t`: every id scored before `t` sorts below it. */
export function uuidv7Floor(t: number): string {
  const hex = Math.max(0, Math.floor(t)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}`;
}
