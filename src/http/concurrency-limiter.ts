import { OverloadedError } from '../errors/app-errors.js';
import type { AdmissionMetrics } from '../observability/metrics.js';

export interface ConcurrencyLimiterOptions {
  /** A name for metrics ("score", "reward"). */
  readonly pool: string;
  /** Jobs running at once. */
  readonly maxInflight: number;
  /** Jobs waiting for a slot; one more is refused with OverloadedError. */
  readonly maxQueue: number;
  /** What `Retry-After` tells a refused caller. */
  readonly retryAfterS: number;
  readonly metrics?: AdmissionMetrics;
}

/**
 * Bounded admission: at most `maxInflight` jobs run, at most `maxQueue` wait (first come, first served),
 * and anything past that is refused at once. Latency and memory under overload are then bounded by
 * the two numbers instead of growing with the offered load.
 */
export class ConcurrencyLimiter {
  private running = 0;
  private waiting: (() => void)[] = [];
  private head = 0;

  constructor(private readonly opts: ConcurrencyLimiterOptions) {
    opts.metrics?.watchAdmission(opts.pool, () => ({ inflight: this.running, queued: this.queued }));
  }

  get inflight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  async run<T>(job: () => Promise<T> | T): Promise<T> {
    if (this.running < this.opts.maxInflight) {
      this.running++;
    } else {
      if (this.queued >= this.opts.maxQueue) {
        this.opts.metrics?.admissionRejected(this.opts.pool);
        throw new OverloadedError(this.opts.retryAfterS);
      }
      // The finishing job hands its slot over, so `running` never dips below the limit in between.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = noop;
      // Compact now and then instead of shift()ing (O(n)) on every release.
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      next();
    } else {
      this.running--;
      if (this.head > 0) {
        this.waiting = [];
        this.head = 0;
      }
    }
  }
}

function noop(): void {}
