import type { FastifyReply, FastifyRequest } from 'fastify';
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
 * Admission for a route: the slot is taken when the request's headers arrive (before its body is read
 * or parsed, so a queued or refused request costs almost nothing) and given back when its response is
 * finished or its connection closes, whichever comes first. `inflight` is then what the process really
 * holds: requests read and not yet answered.
 */
export function admissionHook(limiter: ConcurrencyLimiter) {
  // A refusal must cost far less than the work it refuses, or refusing is what the CPU does all day:
  // it is answered here from a prepared body, with no error object, error handler or serializer.
  const refused = new OverloadedError(limiter.retryAfterS);
  const body = JSON.stringify({ error: refused.code, message: refused.message });
  const retryAfter = String(limiter.retryAfterS);
  return async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (limiter.saturated) {
      limiter.noteRefusal();
      return reply
        .code(503)
        .header('retry-after', retryAfter)
        .type('application/json; charset=utf-8')
        .send(body);
    }
    let release: (() => void) | null = null;
    let closed = false;
    // Listening before waiting in the queue: a client that gives up while queued is noticed too.
    reply.raw.once('close', () => {
      closed = true;
      release?.();
    });
    release = await limiter.acquire();
    if (closed) release();
    return undefined;
  };
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

  get retryAfterS(): number {
    return this.opts.retryAfterS;
  }

  /** Every slot taken and the queue full: the next `acquire` would be refused. */
  get saturated(): boolean {
    return this.running >= this.opts.maxInflight && this.queued >= this.opts.maxQueue;
  }

  noteRefusal(): void {
    this.opts.metrics?.admissionRejected(this.opts.pool);
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Takes a slot, waiting in the queue when all are taken; throws OverloadedError when the queue is
   * full too. Returns the function that gives the slot back (call it exactly once).
   */
  acquire(): Promise<() => void> {
    if (this.running < this.opts.maxInflight) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.queued >= this.opts.maxQueue) {
      this.noteRefusal();
      return Promise.reject(new OverloadedError(this.opts.retryAfterS));
    }
    // The finishing job hands its slot over, so `running` never dips below the limit in between.
    return new Promise((resolve) => this.waiting.push(() => resolve(this.releaser())));
  }

  async run<T>(job: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire();
    try {
      return await job();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
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
