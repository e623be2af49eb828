import type { FastifyReply, FastifyRequest } from 'fastify';
import { OverloadedError } from '../errors/app-errors.js';
import type { AdmissionMetrics, RefusalReason } from '../observability/metrics.js';

export type QueueOrder = 'adaptive-lifo' | 'fifo';

export interface ConcurrencyLimiterOptions {
  /** A name for metrics ("score", "reward", "ops"). */
  readonly pool: string;
  /** Jobs running at once. */
  readonly maxInflight: number;
  /** Jobs waiting for a slot; one more is refused at once (`queue_full`). */
  readonly maxQueue: number;
  /** What `Retry-After` tells a refused caller. */
  readonly retryAfterS: number;
  /**
   * CoDel's target: while every request leaves the queue faster than this the queue is a burst being
   * absorbed; once the queue's delay has stayed above it for `intervalMs`, it is standing (sustained
   * excess) and the order turns LIFO until a request leaves under the target again.
   */
  readonly targetMs?: number;
  readonly intervalMs?: number;
  /** A request that has waited this long is refused (`queue_timeout`): the bound on a served one's wait. */
  readonly maxWaitMs?: number;
  /** `adaptive-lifo` (default): FIFO, LIFO under standing delay. `fifo`: always oldest first. */
  readonly order?: QueueOrder;
  readonly metrics?: AdmissionMetrics;
  /** Milliseconds, monotonic; performance.now by default. */
  readonly clock?: () => number;
}

interface Waiter {
  readonly since: number;
  readonly grant: (release: () => void) => void;
  readonly refuse: (err: OverloadedError) => void;
  /** The client went away while it waited: skipped, never granted. */
  cancelled: boolean;
  /** Granted or refused: out of the queue, a later cancel changes nothing. */
  settled: boolean;
}

/**
 * Admission decided by queueing delay (CoDel's detector, Facebook's "adaptive LIFO"):
 *
 * - at most `maxInflight` jobs run; the rest wait, at most `maxQueue` of them (memory bound);
 * - a request never waits more than `maxWaitMs`: past it, it is refused 503 `overloaded`. So a
 *   served request's latency is bounded by `maxWaitMs` plus its service time, and a burst that
 *   drains within `maxWaitMs` is served whole;
 * - when the queue's delay has stayed above `targetMs` for `intervalMs` (a standing queue, not a
 *   burst), the newest waiter is served first: it is the one whose client still waits, served
 *   ones keep a short latency, and the old ones run out their `maxWaitMs` and are refused.
 *
 * Refusing after a wait rather than at once matters with clients that ignore `Retry-After` (most
 * load generators, many retry loops): a refused client sends again at once, so an instant refusal
 * invites the next request and the CPU goes to refusing (docs/overload.md has the measurements).
 */
export class ConcurrencyLimiter {
  private running = 0;
  private queue: (Waiter | undefined)[] = [];
  private head = 0;
  private live = 0;
  /** CoDel: when the delay first went above target (0: below), and whether it has stood an interval. */
  private aboveSince = 0;
  private pressure = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly clock: () => number;
  private readonly targetMs: number;
  private readonly intervalMs: number;
  private readonly maxWaitMs: number;
  private readonly lifo: boolean;

  constructor(private readonly opts: ConcurrencyLimiterOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.targetMs = opts.targetMs ?? 20;
    this.intervalMs = opts.intervalMs ?? 100;
    this.maxWaitMs = opts.maxWaitMs ?? 1000;
    this.lifo = (opts.order ?? 'adaptive-lifo') === 'adaptive-lifo';
    opts.metrics?.watchAdmission(opts.pool, () => ({ inflight: this.running, queued: this.live }));
  }

  get pool(): string {
    return this.opts.pool;
  }

  get inflight(): number {
    return this.running;
  }

  get queued(): number {
    return this.live;
  }

  get retryAfterS(): number {
    return this.opts.retryAfterS;
  }

  /** The queue's delay has stood above the target for an interval. */
  get underPressure(): boolean {
    return this.pressure;
  }

  /** Every slot taken and the queue full: the next `acquire` would be refused. */
  get saturated(): boolean {
    return this.running >= this.opts.maxInflight && this.live >= this.opts.maxQueue;
  }

  /** Counts a refusal decided outside (the admission hook's pre-parse check). */
  noteRefusal(reason: RefusalReason): void {
    this.opts.metrics?.admissionRefused(this.opts.pool, reason);
  }

  /**
   * Takes a slot, waiting in the queue when all are taken; rejects with OverloadedError when the
   * queue is full or the wait passes `maxWaitMs`. Resolves to the function that gives the slot back
   * (idempotent). `cancel` (optional) is set to a function that withdraws the waiter.
   */
  acquire(onQueued?: (cancel: () => void) => void): Promise<() => void> {
    if (this.running < this.opts.maxInflight && this.live === 0) {
      this.running++;
      this.admitted(0);
      return Promise.resolve(this.releaser());
    }
    if (this.live >= this.opts.maxQueue) {
      this.noteRefusal('queue_full');
      return Promise.reject(new OverloadedError(this.opts.retryAfterS));
    }
    return new Promise((grant, refuse) => {
      const waiter: Waiter = { since: this.clock(), grant, refuse, cancelled: false, settled: false };
      this.queue.push(waiter);
      this.live++;
      this.armTimer();
      onQueued?.(() => {
        if (waiter.cancelled || waiter.settled) return;
        waiter.cancelled = true;
        this.live--;
      });
    });
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
    const now = this.clock();
    this.expire(now);
    const next = this.take();
    if (next) {
      // The finishing job hands its slot over, so `running` never dips below the limit in between.
      this.admitted(now - next.since);
      next.settled = true;
      next.grant(this.releaser());
    } else {
      this.running--;
    }
  }

  /** The next waiter: the newest under pressure, else the oldest. */
  private take(): Waiter | undefined {
    while (this.live > 0) {
      const w = this.pressure && this.lifo ? this.queue.pop() : this.queue[this.head++];
      if (!w || w.cancelled) continue;
      this.live--;
      this.compact();
      return w;
    }
    this.queue = [];
    this.head = 0;
    return undefined;
  }

  /** Refuses every waiter that has waited `maxWaitMs` (they sit at the head: it holds the oldest). */
  private expire(now: number): void {
    while (this.head < this.queue.length) {
      const w = this.queue[this.head];
      if (w && !w.cancelled && now - w.since < this.maxWaitMs) break;
      this.queue[this.head++] = undefined;
      if (!w || w.cancelled) continue;
      this.live--;
      this.noteRefusal('queue_timeout');
      this.sojourn(now - w.since);
      w.settled = true;
      w.refuse(new OverloadedError(this.opts.retryAfterS));
    }
    this.compact();
  }

  private admitted(waitedMs: number): void {
    this.opts.metrics?.admissionAdmitted(this.opts.pool, waitedMs / 1000);
    this.sojourn(waitedMs);
  }

  /** CoDel's detector on every request that leaves the queue, served or timed out. */
  private sojourn(waitedMs: number): void {
    if (waitedMs < this.targetMs || this.live === 0) {
      this.aboveSince = 0;
      this.pressure = false;
      return;
    }
    const now = this.clock();
    if (this.aboveSince === 0) this.aboveSince = now;
    else if (now - this.aboveSince >= this.intervalMs) this.pressure = true;
  }

  private compact(): void {
    if (this.live === 0) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      // Now and then instead of shift()ing (O(n)) on every dequeue.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** A stalled pool (no release for a while) still refuses its waiters on time. */
  private armTimer(): void {
    if (this.timer) return;
    const oldest = this.queue[this.head]?.since ?? this.clock();
    const due = Math.max(1, oldest + this.maxWaitMs - this.clock());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire(this.clock());
      if (this.live > 0) this.armTimer();
    }, due);
    this.timer.unref();
  }
}

export interface AdmissionHookOptions {
  /** Refusals also close the connection: a client that ignores Retry-After must reconnect first. */
  readonly closeOnRefusal?: boolean;
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;

export interface AdmissionHooks {
  readonly onRequest: Hook;
  readonly preValidation: Hook;
}

/**
 * Admission for a route, in two steps:
 *
 * - `onRequest` (headers in, body not read): a full queue is refused here, from a prepared body,
 *   before any reading, parsing or validation: a refusal must cost far less than the work it refuses;
 * - `preValidation` (body read and parsed, not yet validated): the slot is taken here, so a client that
 *   sends its body slowly holds a socket (bounded by MAX_CONNECTIONS and REQUEST_TIMEOUT_MS), never a
 *   slot, and cannot starve fast ones.
 *
 * The slot is given back when the response is finished or the connection closes, whichever comes
 * first; a client that goes away while queued leaves the queue.
 */
export function admissionHooks(limiter: ConcurrencyLimiter, opts: AdmissionHookOptions = {}): AdmissionHooks {
  const refused = new OverloadedError(limiter.retryAfterS);
  const body = JSON.stringify({ error: refused.code, message: refused.message });
  const retryAfter = String(limiter.retryAfterS);
  const refuse = (reply: FastifyReply): FastifyReply => {
    if (opts.closeOnRefusal) reply.header('connection', 'close');
    return reply
      .code(503)
      .header('retry-after', retryAfter)
      .type('application/json; charset=utf-8')
      .send(body);
  };
  return {
    onRequest: async (_request, reply) => {
      if (!limiter.saturated) return undefined;
      limiter.noteRefusal('queue_full');
      return refuse(reply);
    },
    preValidation: async (_request, reply) => {
      let release: (() => void) | null = null;
      let cancel: (() => void) | null = null;
      let closed = false;
      // Listening before waiting in the queue: a client that gives up while queued is noticed too.
      reply.raw.once('close', () => {
        closed = true;
        if (release) release();
        else cancel?.();
      });
      try {
        release = await limiter.acquire((c) => {
          cancel = c;
        });
      } catch (err) {
        if (err instanceof OverloadedError) return refuse(reply);
        throw err;
      }
      if (closed) release();
      return undefined;
    },
  };
}
