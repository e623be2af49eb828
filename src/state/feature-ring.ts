import { LRUCache } from 'lru-cache';
import type { PolicyName } from '../policies/mod.js';

export interface FeatureItem {
  readonly ts: string;
  readonly policy: PolicyName;
  readonly event_id: string;
  readonly candidate_id: string;
  readonly x: number[];
}

/** One scoring call's vectors, as they were scored: K rows of `stride` numbers, the first `d` shown. */
export interface FeatureChunk {
  readonly ts: string;
  readonly policy: PolicyName;
  readonly event_id: string;
  readonly ids: readonly string[];
  readonly x: Float64Array;
  readonly stride: number;
  readonly d: number;
}

/** How many scored vectors `/features/{user}` shows (CONTRACT §4). */
export const FEATURE_RING_SIZE = 100;

interface Ring {
  chunks: FeatureChunk[];
  rows: number;
}

/**
 * The last 100 vectors scored for each user, over all policies. In memory only, and bounded in users
 * (LRU), because it is an inspection aid, not state the bandit learns from. A scoring call's vectors are
 * kept as the one packed array they were scored in and only turned into items when someone asks: a
 * score of K candidates then costs one reference here instead of K objects and K arrays.
 */
export class FeatureRings {
  private readonly rings: LRUCache<string, Ring>;

  constructor(maxUsers: number) {
    this.rings = new LRUCache({ max: maxUsers });
  }

  get users(): number {
    return this.rings.size;
  }

  push(user: string, chunk: FeatureChunk): void {
    let c = chunk;
    if (c.ids.length > FEATURE_RING_SIZE) {
      const from = c.ids.length - FEATURE_RING_SIZE;
      c = { ...c, ids: c.ids.slice(from), x: c.x.slice(from * c.stride) };
    }
    let ring = this.rings.get(user);
    if (!ring) {
      ring = { chunks: [], rows: 0 };
      this.rings.set(user, ring);
    }
    ring.chunks.push(c);
    ring.rows += c.ids.length;
    // Drop whole chunks that lie entirely before the last 100 rows.
    while (ring.rows - ring.chunks[0]!.ids.length >= FEATURE_RING_SIZE) {
      ring.rows -= ring.chunks.shift()!.ids.length;
    }
  }

  /** Oldest first. */
  items(user: string): FeatureItem[] {
    const ring = this.rings.get(user);
    if (!ring) return [];
    const out: FeatureItem[] = [];
    let skip = Math.max(0, ring.rows - FEATURE_RING_SIZE);
    for (const c of ring.chunks) {
      for (let i = 0; i < c.ids.length; i++) {
        if (skip > 0) {
          skip--;
          continue;
        }
        out.push({
          ts: c.ts,
          policy: c.policy,
          event_id: c.event_id,
          candidate_id: c.ids[i]!,
          x: Array.from(c.x.subarray(i * c.stride, i * c.stride + c.d)),
        });
      }
    }
    return out;
  }

  clear(user: string): void {
    this.rings.delete(user);
  }
}
