import type { KV } from '@nats-io/kv';
import { LRUCache } from 'lru-cache';
import { StoreUnavailableError } from '../errors/app-errors.js';
import { encodeKeyToken } from './kv-key.js';
import { fromLine, parseLine, type ScoredEvent, toLine } from './scored-event-journal.js';
import type { ScoredEventStore } from './scored-event-store.js';

export interface KvScoredEventStoreOptions {
  /** A bucket whose max_age is the reward window: the server expires decisions, no pruning here. */
  readonly kv: KV;
  readonly windowMs: number;
  /** Decisions this replica recorded, kept in memory to spare a round trip for local rewards. */
  readonly maxCached: number;
  readonly clock: () => number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Decisions in a JetStream KV bucket shared by the replicas: `e.{event id}` holds the decision,
 * `r.{user}` the time of the user's last reset. Both expire with the bucket's max_age (REWARD_WINDOW_S);
 * the server here (2.9) has no per-key TTL. A reset is checked on every read, whichever replica wrote it.
 */
export class KvScoredEventStore implements ScoredEventStore {
  readonly kind = 'nats-kv';
  private readonly recent: LRUCache<string, ScoredEvent>;

  constructor(private readonly opts: KvScoredEventStoreOptions) {
    this.recent = new LRUCache({ max: opts.maxCached });
  }

  async record(d: ScoredEvent): Promise<void> {
    await unavailableOnError(() =>
      this.opts.kv.put(eventKey(d.id), encoder.encode(JSON.stringify(toLine(d)))),
    );
    this.recent.set(d.id, d);
  }

  async get(id: string, now = this.opts.clock()): Promise<ScoredEvent | null> {
    let d: ScoredEvent | null | undefined = this.recent.get(id);
    if (d === undefined) {
      const entry = await unavailableOnError(() => this.opts.kv.get(eventKey(id)));
      if (entry?.operation !== 'PUT') return null;
      const line = parseLine(decoder.decode(entry.value));
      d = line && !('reset' in line) ? fromLine(line) : null;
    }
    if (!d || d.id !== id) return null;
    if (now - d.t > this.opts.windowMs) return null;
    const reset = await unavailableOnError(() => this.opts.kv.get(resetKey(d.user)));
    if (reset?.operation === 'PUT') {
      const t = Number(decoder.decode(reset.value));
      if (Number.isFinite(t) && t >= d.t) return null;
    }
    return d;
  }

  async resetUser(user: string): Promise<void> {
    for (const [id, d] of this.recent.entries()) if (d.user === user) this.recent.delete(id);
    await unavailableOnError(() =>
      this.opts.kv.put(resetKey(user), encoder.encode(String(this.opts.clock()))),
    );
  }

  async close(): Promise<void> {}
}

function eventKey(id: string): string {
  return `e.${encodeKeyToken(id)}`;
}

function resetKey(user: string): string {
  return `r.${encodeKeyToken(user)}`;
}

async function unavailableOnError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StoreUnavailableError(err);
  }
}
