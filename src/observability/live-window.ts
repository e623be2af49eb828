/**
 * Request rates and latency over the last few seconds, for people looking at the service now (the
 * dashboard's live figures); Prometheus's counters and histograms since start stay what scrapers read.
 *
 * One slot per second in a ring; each slot counts the requests of its second per kind and keeps their
 * latencies in log-spaced buckets (8 per doubling: an answered percentile is the bucket's upper edge,
 * at most 9% above the true value). Recording is a few array writes; nothing grows with traffic.
 */

export const LIVE_KINDS = ['score', 'reward'] as const;
export type LiveKind = (typeof LIVE_KINDS)[number];

/** Bucket i holds latencies in (MIN_MS·R^(i−1), MIN_MS·R^i]; the last one everything above. */
const MIN_MS = 0.01;
const STEPS_PER_DOUBLING = 8;
const R = 2 ** (1 / STEPS_PER_DOUBLING);
const BUCKETS = 8 * 24; // up to 0.01 ms · 2^24 ≈ 168 s

interface Slot {
  second: number;
  readonly counts: number[];
  readonly latency: Uint32Array[];
}

export interface LiveFigures {
  /** Seconds the figures cover: the window, or less right after start. */
  readonly seconds: number;
  readonly perSecond: Record<LiveKind, number>;
  /** 99th percentile latency in milliseconds; null with no request of that kind in the window. */
  readonly p99Ms: Record<LiveKind, number | null>;
}

export class LiveWindow {
  private readonly slots: Slot[];
  private readonly startedSecond: number;

  constructor(
    private readonly windowS: number,
    private readonly clock: () => number = Date.now,
  ) {
    // One more slot than the window: the second in progress must not evict the oldest counted one.
    this.slots = Array.from({ length: windowS + 1 }, () => ({
      second: Number.NEGATIVE_INFINITY,
      counts: LIVE_KINDS.map(() => 0),
      latency: LIVE_KINDS.map(() => new Uint32Array(BUCKETS)),
    }));
    this.startedSecond = Math.floor(clock() / 1000);
  }

  record(kind: LiveKind, seconds: number): void {
    const second = Math.floor(this.clock() / 1000);
    const slot = this.slots[second % this.slots.length]!;
    if (slot.second !== second) {
      slot.second = second;
      slot.counts.fill(0);
      for (const h of slot.latency) h.fill(0);
    }
    const k = LIVE_KINDS.indexOf(kind);
    slot.counts[k]!++;
    slot.latency[k]![bucketOf(seconds * 1000)]!++;
  }

  /** The last `windowS` whole seconds, not the second in progress (it would read low). */
  figures(): LiveFigures {
    const now = Math.floor(this.clock() / 1000);
    const first = Math.max(now - this.windowS, this.startedSecond);
    const seconds = Math.max(now - first, 1);
    const perSecond = {} as Record<LiveKind, number>;
    const p99Ms = {} as Record<LiveKind, number | null>;
    LIVE_KINDS.forEach((kind, k) => {
      let count = 0;
      const merged = new Uint32Array(BUCKETS);
      for (const slot of this.slots) {
        if (slot.second < first || slot.second >= now) continue;
        count += slot.counts[k]!;
        const h = slot.latency[k]!;
        for (let i = 0; i < BUCKETS; i++) merged[i]! += h[i]!;
      }
      perSecond[kind] = count / seconds;
      p99Ms[kind] = count === 0 ? null : quantileMs(merged, count, 0.99);
    });
    return { seconds, perSecond, p99Ms };
  }
}

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(Math.ceil(Math.log(ms / MIN_MS) / Math.log(R) - 1e-9), BUCKETS - 1);
}

/** The upper edge of the bucket holding the q-quantile (nearest rank). */
function quantileMs(h: Uint32Array, count: number, q: number): number {
  const rank = Math.ceil(q * count);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += h[i]!;
    if (seen >= rank) return MIN_MS * R ** i;
  }
  return MIN_MS * R ** (BUCKETS - 1);
}
