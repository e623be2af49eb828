import { LRUCache } from 'lru-cache';
import type { PolicyName } from '../policies/policy-names.js';

export interface FeatureItem {
  readonly ts: string;
  readonly policy: PolicyName;
  readonly event_id: string;
  readonly candidate_id: string;
  readonly x: number[];
}

/** How many scored vectors `/features/{user}` shows (CONTRACT §4). */
export const FEATURE_RING_SIZE = 100;

/**
 * The last 100 vectors scored for each user, over all policies. In memory only, and bounded in users
 * (LRU), because it is an inspection aid, not state the bandit learns from.
 */
export class FeatureRings {
  private readonly rings: LRUCache<string, FeatureItem[]>;

  constructor(maxUsers: number) {
    this.rings = new LRUCache({ max: maxUsers });
  }

  push(user: string, items: readonly FeatureItem[]): void {
    let ring = this.rings.get(user);
    if (!ring) {
      ring = [];
      this.rings.set(user, ring);
    }
    for (const item of items.length > FEATURE_RING_SIZE ? items.slice(-FEATURE_RING_SIZE) : items)
      ring.push(item);
    if (ring.length > FEATURE_RING_SIZE) ring.splice(0, ring.length - FEATURE_RING_SIZE);
  }

  get users(): number {
    return this.rings.size;
  }

  /** Oldest first. */
  items(user: string): readonly FeatureItem[] {
    return this.rings.get(user) ?? [];
  }

  clear(user: string): void {
    this.rings.delete(user);
  }
}
