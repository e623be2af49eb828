import type { Logger } from 'pino';
import type { BanditBackend } from '../../kernels/backend.js';
import { BanditScoreGreedy, BanditScoreUCB } from '../../kernels/kernel_names.js';
import type { KernelMetrics } from '../observability/metrics.js';
import type { PolicyName } from '../policies/mod.js';
import type { PolicyState } from '../state/policy-state.js';
import type { ScoreJob, Scorer } from './scorer.js';
import { SlabResidency } from './slab-residency.js';

export interface BatchingOptions {
  readonly backend: BanditBackend;
  readonly alpha: number;
  /** Most jobs (requests) in one kernel call. */
  readonly maxBatch: number;
  /** How long the first queued job may wait for company, in microseconds; 0 = the current loop turn. */
  readonly waitUs: number;
  /** Resident users per policy slab; at least maxBatch. */
  readonly slabUsers: number;
  readonly log?: Logger;
  /** Told the size (jobs) and wall time of every kernel launch: `bandit_kernel_*` in /metrics. */
  readonly metrics?: KernelMetrics;
}

interface Queued {
  readonly job: ScoreJob;
  resolve(scores: Float64Array): void;
  reject(err: unknown): void;
}

export interface BatchingStats {
  jobs: number;
  kernelCalls: number;
  flushes: number;
  largestBatch: number;
}

/**
 * Dynamic micro-batching over a batched backend: score jobs queue up and are coalesced into one kernel
 * call per policy, when `maxBatch` jobs have queued or the first has waited `waitUs`, whichever comes
 * first. Kernel calls run one at a time, so jobs that arrive meanwhile form the next batch. Users'
 * posteriors stay resident in per-policy slabs; a job only sends its candidate rows and a slot.
 */
export class BatchingScorer implements Scorer {
  readonly backend: string;
  readonly precision: 'float32' | 'float64';
  readonly stats: BatchingStats = { jobs: 0, kernelCalls: 0, flushes: 0, largestBatch: 0 };
  private readonly slabs = new Map<PolicyName, SlabResidency>();
  private queue: Queued[] = [];
  private firstQueuedAt = 0n;
  private armed = false;
  /** Tells a timer or a polling chain of an earlier arming that it is stale. */
  private armedAt = 0;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: BatchingOptions) {
    if (opts.maxBatch < 1) throw new RangeError('maxBatch must be at least 1');
    this.backend = opts.backend.name;
    this.precision = opts.backend.precision;
  }

  score(job: ScoreJob): Promise<Float64Array> {
    if (this.closed) return Promise.reject(new Error('scorer is closed'));
    return new Promise((resolve, reject) => {
      if (this.queue.length === 0) this.firstQueuedAt = process.hrtime.bigint();
      this.queue.push({ job, resolve, reject });
      this.stats.jobs++;
      if (this.queue.length >= this.opts.maxBatch) this.flushNow();
      else this.arm();
    });
  }

  /** A committed state change (a reward, a reset): scatter it into the slab where the user is resident. */
  stateChanged(policy: PolicyName, user: string, state: PolicyState | null): void {
    this.slabs.get(policy)?.changed(user, state);
  }

  /** Resident users of a policy's slab (for tests and /health). */
  residentUsers(policy: PolicyName): number {
    return this.slabs.get(policy)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0) this.flushNow();
    await this.running;
    for (const r of this.slabs.values()) r.slab.dispose();
    this.slabs.clear();
    await this.opts.backend.dispose();
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    const generation = ++this.armedAt;
    const waitUs = this.opts.waitUs;
    if (waitUs >= 1000) {
      setTimeout(() => this.fire(generation), Math.floor(waitUs / 1000));
      return;
    }
    // Timers have millisecond resolution: below that, yield to I/O once per loop turn until the wait is up.
    const tick = () => {
      if (!this.armed || generation !== this.armedAt) return;
      const waited = Number(process.hrtime.bigint() - this.firstQueuedAt) / 1000;
      if (waited >= waitUs) this.fire(generation);
      else setImmediate(tick);
    };
    setImmediate(tick);
  }

  private fire(generation: number): void {
    if (!this.armed || generation !== this.armedAt) return;
    this.flushNow();
  }

  private flushNow(): void {
    this.armed = false;
    const batch = this.queue.splice(0, this.opts.maxBatch);
    if (this.queue.length > 0) {
      this.firstQueuedAt = process.hrtime.bigint();
      this.arm();
    }
    if (batch.length === 0) return;
    this.stats.flushes++;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    this.running = this.running.then(() => this.run(batch));
  }

  private async run(batch: Queued[]): Promise<void> {
    const byPolicy = new Map<PolicyName, Queued[]>();
    for (const q of batch) {
      const list = byPolicy.get(q.job.spec.name);
      if (list) list.push(q);
      else byPolicy.set(q.job.spec.name, [q]);
    }
    for (const [policy, jobs] of byPolicy) {
      try {
        await this.runPolicy(policy, jobs);
      } catch (err) {
        this.opts.log?.error({ err, policy, jobs: jobs.length }, 'batched scoring kernel failed');
        for (const q of jobs) q.reject(err);
      }
    }
  }

  private residency(policy: PolicyName, d: number): SlabResidency {
    let r = this.slabs.get(policy);
    if (!r) {
      const capacity = Math.max(this.opts.slabUsers, this.opts.maxBatch);
      r = new SlabResidency(this.opts.backend.createSlab(d, capacity));
      this.slabs.set(policy, r);
    }
    return r;
  }

  private async runPolicy(policy: PolicyName, jobs: Queued[]): Promise<void> {
    const spec = jobs[0]!.job.spec;
    const d = spec.d;
    const residency = this.residency(policy, d);
    // Two jobs of one user that read different states cannot share its slot in one call: the later
    // one goes into a call of its own.
    const now: Queued[] = [];
    const later: Queued[] = [];
    const seen = new Map<string, object>();
    for (const q of jobs) {
      const prev = seen.get(q.job.user);
      if (prev !== undefined && prev !== q.job.version) later.push(q);
      else {
        seen.set(q.job.user, q.job.version);
        now.push(q);
      }
    }
    let rows = 0;
    for (const q of now) rows += q.job.k;
    // Slots first: their writes may grow the backend's memory, which would move staging buffers.
    const slotOf = now.map(({ job }) =>
      residency.slotFor(job.user, job.version, job.posterior, job.b ?? new Float64Array(d)),
    );
    await residency.flushWrites();
    const { x, slots } = residency.slab.stagingBuffers?.(rows) ?? {
      x: new Float64Array(rows * d),
      slots: new Int32Array(rows),
    };
    let r = 0;
    for (const [jn, { job }] of now.entries()) {
      const slot = slotOf[jn]!;
      for (let c = 0; c < job.k; c++, r++) {
        slots[r] = slot;
        const o = c * job.stride;
        for (let i = 0; i < d; i++) x[r * d + i] = job.x[o + i]!;
      }
    }
    const t0 = performance.now();
    const out =
      spec.kind === 'linucb'
        ? await residency.slab.scoreUCB(x, slots, this.opts.alpha)
        : await residency.slab.scoreGreedy(x, slots);
    this.stats.kernelCalls++;
    this.opts.metrics?.observeKernel(
      spec.kind === 'linucb' ? BanditScoreUCB : BanditScoreGreedy,
      this.backend,
      now.length,
      (performance.now() - t0) / 1000,
    );
    r = 0;
    for (const q of now) {
      q.resolve(out.slice(r, r + q.job.k));
      r += q.job.k;
    }
    if (later.length > 0) await this.runPolicy(policy, later);
  }
}
