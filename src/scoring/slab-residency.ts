import { LRUCache } from 'lru-cache';
import type { Slab } from '../../kernels/backend.js';
import type { Posterior } from '../../kernels/reference/mod.js';
import { type PolicyState, posteriorOf } from '../state/policy-state.js';

interface Resident {
  readonly slot: number;
  /** The state whose posterior the slot holds; a job that read another one needs the slot rewritten. */
  version: object;
}

/** Slot writes gathered for one scatter into the slab. */
export interface PendingWrites {
  readonly slots: number[];
  readonly posteriors: Posterior[];
  readonly bs: Float64Array[];
}

/**
 * Which users of one policy live in which slot of its slab. Hot users stay (LRU); a cold user takes a
 * free slot or the least recently used one. The slab itself is only written in scatters the caller
 * flushes before its next kernel call.
 */
export class SlabResidency {
  private readonly residents: LRUCache<string, Resident>;
  private readonly free: number[] = [];
  private pending: PendingWrites = { slots: [], posteriors: [], bs: [] };

  constructor(readonly slab: Slab) {
    for (let s = slab.capacity - 1; s >= 0; s--) this.free.push(s);
    this.residents = new LRUCache<string, Resident>({
      max: slab.capacity,
      dispose: (r) => this.free.push(r.slot),
    });
  }

  get size(): number {
    return this.residents.size;
  }

  /** Whether the user is resident with exactly this state (nothing to write). */
  holds(user: string, version: object): boolean {
    return this.residents.peek(user)?.version === version;
  }

  /**
   * The slot holding state `version` for `user`, queuing a write (of `posterior()`, derived only then)
   * when the slot is new or holds another state. Callers keep the users of one kernel call below the
   * capacity, so no slot of that call is evicted before it runs.
   */
  slotFor(user: string, version: object, posterior: () => Posterior, b: Float64Array): number {
    const hit = this.residents.get(user);
    if (hit) {
      if (hit.version !== version) {
        hit.version = version;
        this.queue(hit.slot, posterior(), b);
      }
      return hit.slot;
    }
    if (this.free.length === 0) this.residents.pop();
    const slot = this.free.pop()!;
    this.residents.set(user, { slot, version });
    this.queue(slot, posterior(), b);
    return slot;
  }

  /** A committed change: scatter the new posterior into the user's slot, if the user is resident. */
  changed(user: string, state: PolicyState | null): void {
    const hit = this.residents.peek(user);
    if (!hit) return;
    if (state === null) {
      this.residents.delete(user);
      return;
    }
    // Only a resident user's posterior is derived here, once per commit.
    hit.version = state;
    this.queue(hit.slot, posteriorOf(state), state.b);
  }

  /** Writes every queued slot in one scatter (later writes of one slot win). */
  async flushWrites(): Promise<void> {
    const { slots: queued, posteriors, bs } = this.pending;
    if (queued.length === 0) return;
    this.pending = { slots: [], posteriors: [], bs: [] };
    // One write per slot, the latest: a scatter with repeated indices has no defined order on a GPU.
    const last = new Map<number, number>();
    for (const [i, s] of queued.entries()) last.set(s, i);
    const slots = [...last.keys()];
    const d = this.slab.d;
    const n = slots.length;
    const ainv = new Float64Array(n * d * d);
    const theta = new Float64Array(n * d);
    const b = new Float64Array(n * d);
    for (const [i, s] of slots.entries()) {
      const q = last.get(s)!;
      ainv.set(posteriors[q]!.ainv, i * d * d);
      theta.set(posteriors[q]!.theta, i * d);
      b.set(bs[q]!, i * d);
    }
    await this.slab.write(Int32Array.from(slots), ainv, theta, b);
  }

  private queue(slot: number, posterior: Posterior, b: Float64Array): void {
    this.pending.slots.push(slot);
    this.pending.posteriors.push(posterior);
    this.pending.bs.push(b);
  }
}
