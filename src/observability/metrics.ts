import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type LiveKind, LiveWindow } from './live-window.js';

/**
 * What a Scorer reports about its kernel calls. Batched backends call it once per kernel launch with
 * the number of jobs (users) it coalesced; the inline reference scorer reports batches of one.
 */
export interface KernelMetrics {
  observeKernel(kernel: string, backend: string, batchSize: number, seconds: number): void;
}

/** What a NATS consumer reports per message (CONTRACT §6 health counters, as Prometheus counters). */
export interface ConsumerMetrics {
  consumerProcessed(consumer: string): void;
  consumerError(consumer: string): void;
}

/** What the admission limiter reports. */
/** Why admission refused a request: the queue was full on arrival, or the wait passed its bound. */
export type RefusalReason = 'queue_full' | 'queue_timeout';

export interface AdmissionMetrics {
  admissionRefused(pool: string, reason: RefusalReason): void;
  /** A request got a slot after waiting `waitedS` seconds in the queue (0: at once). */
  admissionAdmitted(pool: string, waitedS: number): void;
  /** Levels are read when scraped, so the hot path pays nothing for them. */
  watchAdmission(pool: string, levels: () => { inflight: number; queued: number }): void;
}

/** What the NATS runtime tells the metrics, read at scrape time (structural: no NATS import here). */
export interface NatsMetricsSource {
  health(): {
    connected: boolean;
    consumers: Record<string, { running?: boolean; dead_lettered: number; dead_letter_failures: number }>;
  };
  lag(): Promise<Record<string, { pending: number; ack_pending: number; redelivered: number } | null>>;
}

export interface MetricsOptions {
  /** Process metrics (RSS, heap, event-loop lag, GC). Off in tests that build many apps. */
  readonly processMetrics?: boolean;
  /** The live figures' clock (epoch ms); the wall clock by default. */
  readonly clock?: () => number;
}

/** Seconds the live figures (`GET /metrics/live`) cover. */
export const LIVE_WINDOW_S = 60;

/** Which answered requests count as scores or rewards in the live figures (every policy's routes). */
function liveKindOf(method: string, route: string): LiveKind | null {
  if (method !== 'POST') return null;
  if (route === '/recommend' || route === '/score' || route.startsWith('/score/')) return 'score';
  if (route === '/reward' || route.startsWith('/reward/')) return 'reward';
  return null;
}

const TOTAL_SUFFIXED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];
const QUEUE_DELAY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

/**
 * The app's Prometheus metrics, in a Registry of its own: two apps in one process (tests, replicas in
 * one benchmark) never share or double-register series. Built by the composition root and passed to
 * whoever reports.
 */
export class ServiceMetrics implements KernelMetrics, ConsumerMetrics, AdmissionMetrics {
  readonly registry = new Registry();
  /** Scores and rewards answered 2xx over the last minute: rates and p99 for the dashboard. */
  readonly live: LiveWindow;
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status_code'>;
  private readonly kernelBatchSize: Histogram<'kernel' | 'backend'>;
  private readonly kernelSeconds: Histogram<'kernel' | 'backend'>;
  private readonly backendInfo: Gauge<'backend' | 'precision'>;
  private readonly consumerMessages: Counter<'consumer' | 'outcome'>;
  private readonly rejected: Counter<'pool'>;
  private readonly refused: Counter<'pool' | 'reason'>;
  private readonly admitted: Counter<'pool'>;
  private readonly queueDelay: Histogram<'pool'>;
  private readonly clientErrors: Counter<'status_code'>;
  private readonly caches = new Map<string, () => number>();
  private readonly consumerSources: {
    read: () => Record<string, { processed: number; errors: number }>;
    seen: Map<string, number>;
  }[] = [];
  private readonly pools = new Map<string, () => { inflight: number; queued: number }>();
  private nats: NatsMetricsSource | null = null;

  constructor(opts: MetricsOptions = {}) {
    const registers = [this.registry];
    this.live = new LiveWindow(LIVE_WINDOW_S, opts.clock);
    this.httpSeconds = new Histogram({
      name: 'bandit_http_request_seconds',
      help: 'HTTP request latency by route pattern, from the request arriving to the response sent',
      labelNames: ['method', 'route', 'status_code'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.kernelBatchSize = new Histogram({
      name: 'bandit_kernel_batch_size',
      help: 'Scoring/update jobs per kernel launch',
      labelNames: ['kernel', 'backend'],
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.kernelSeconds = new Histogram({
      name: 'bandit_kernel_seconds',
      help: 'Wall time of one kernel launch, including transfers',
      labelNames: ['kernel', 'backend'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.backendInfo = new Gauge({
      name: 'bandit_scorer_backend_info',
      help: 'The scoring backend in use (1 on the active backend)',
      labelNames: ['backend', 'precision'],
      registers,
    });
    const sources = this.consumerSources;
    this.consumerMessages = new Counter({
      name: 'bandit_consumer_messages_total',
      help: 'JetStream messages handled per consumer, by outcome (processed or error)',
      labelNames: ['consumer', 'outcome'],
      registers,
      collect() {
        // Watched consumers keep their own monotonic counts; the counter follows them by the difference.
        for (const source of sources) {
          for (const [consumer, c] of Object.entries(source.read())) {
            for (const outcome of ['processed', 'errors'] as const) {
              const key = `${consumer}\u0000${outcome}`;
              const delta = c[outcome] - (source.seen.get(key) ?? 0);
              if (delta > 0) this.inc({ consumer, outcome: outcome === 'errors' ? 'error' : outcome }, delta);
              source.seen.set(key, c[outcome]);
            }
          }
        }
      },
    });
    this.rejected = new Counter({
      name: 'bandit_overload_rejections_total',
      help: 'Requests answered 503 overloaded by admission (every reason; see bandit_admission_refused_total)',
      labelNames: ['pool'],
      registers,
    });
    this.refused = new Counter({
      name: 'bandit_admission_refused_total',
      help: 'Requests refused 503 overloaded, per pool and reason (queue_full: on arrival; queue_timeout: waited too long)',
      labelNames: ['pool', 'reason'],
      registers,
    });
    this.admitted = new Counter({
      name: 'bandit_admission_admitted_total',
      help: 'Requests given a slot, per admission pool',
      labelNames: ['pool'],
      registers,
    });
    this.queueDelay = new Histogram({
      name: 'bandit_admission_queue_delay_seconds',
      help: 'Time an admitted request waited in its admission queue',
      labelNames: ['pool'],
      buckets: QUEUE_DELAY_BUCKETS,
      registers,
    });
    const pools = this.pools;
    new Gauge({
      name: 'bandit_admission_inflight',
      help: 'Requests being worked on, per admission pool',
      labelNames: ['pool'],
      registers,
      collect() {
        for (const [pool, levels] of pools) this.set({ pool }, levels().inflight);
      },
    });
    new Gauge({
      name: 'bandit_admission_queued',
      help: 'Requests waiting for a slot, per admission pool',
      labelNames: ['pool'],
      registers,
      collect() {
        for (const [pool, levels] of pools) this.set({ pool }, levels().queued);
      },
    });
    const caches = this.caches;
    new Gauge({
      name: 'bandit_cache_entries',
      help: 'Entries held by each bounded in-memory cache (policy states, decisions, feature rings)',
      labelNames: ['cache'],
      registers,
      collect() {
        for (const [cache, size] of caches) this.set({ cache }, size());
      },
    });
    this.clientErrors = new Counter({
      name: 'bandit_http_client_errors_total',
      help: 'Connections answered by Node before a request existed (431 headers too large, 400 malformed, 408 timeout)',
      labelNames: ['status_code'],
      registers,
    });
    this.registerNatsMetrics(registers);
    if (opts.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named `_total` break the exposition rules (`promtool check metrics`: the suffix is for
      // counters). Their per-type twins (`nodejs_active_handles{type}`, …) stay; a sum gives the total.
      for (const name of TOTAL_SUFFIXED_GAUGES) this.registry.removeSingleMetric(name);
    }
  }

  /** A connection-level error answered before any route (no method, no route, no timing). */
  clientError(statusCode: number): void {
    this.clientErrors.inc({ status_code: String(statusCode) });
  }

  /**
   * Connection and consumer state for alerts (docs/nats-production.md): gauges read from the runtime
   * and, for the backlog, from the server's consumer info at scrape time (one look-up per durable,
   * shared by the three backlog gauges of one scrape).
   */
  private registerNatsMetrics(registers: Registry[]): void {
    const self = this;
    new Gauge({
      name: 'bandit_nats_connected',
      help: 'Whether the NATS connection is up (1) or not (0); absent without NATS_URL',
      registers,
      collect() {
        if (self.nats) this.set(self.nats.health().connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'bandit_nats_consumer_running',
      help: 'Whether each JetStream consumer is consuming (1) or not (0)',
      labelNames: ['consumer'],
      registers,
      collect() {
        if (!self.nats) return;
        for (const [consumer, c] of Object.entries(self.nats.health().consumers))
          this.set({ consumer }, c.running ? 1 : 0);
      },
    });
    let lagRead: Promise<Awaited<ReturnType<NatsMetricsSource['lag']>>> | null = null;
    const lag = () => {
      // The three gauges collect one after another within a scrape: one consumer-info round serves all.
      lagRead ??= (self.nats?.lag() ?? Promise.resolve({})).finally(() => {
        setTimeout(() => {
          lagRead = null;
        }, 250).unref();
      });
      return lagRead;
    };
    for (const [field, name, help] of [
      ['pending', 'bandit_nats_consumer_pending', 'Messages in the stream not yet delivered to the consumer'],
      ['ack_pending', 'bandit_nats_consumer_ack_pending', 'Messages delivered and not yet acknowledged'],
      [
        'redelivered',
        'bandit_nats_consumer_redelivered',
        'Messages awaiting acknowledgement that were delivered more than once',
      ],
    ] as const) {
      new Gauge({
        name,
        help: `${help} (consumer info; absent while unknown)`,
        labelNames: ['consumer'],
        registers,
        async collect() {
          this.reset();
          for (const [consumer, l] of Object.entries(await lag())) if (l) this.set({ consumer }, l[field]);
        },
      });
    }
    const seen = new Map<string, number>();
    for (const [field, name, help] of [
      ['dead_lettered', 'bandit_nats_dead_lettered_total', 'Messages stored in the dead-letter stream'],
      [
        'dead_letter_failures',
        'bandit_nats_dead_letter_failures_total',
        'Dead letters that could not be stored (the message stays in its stream for the backstop)',
      ],
    ] as const) {
      new Counter({
        name,
        help,
        labelNames: ['consumer'],
        registers,
        collect() {
          if (!self.nats) return;
          for (const [consumer, c] of Object.entries(self.nats.health().consumers)) {
            const key = `${consumer}\u0000${field}`;
            const delta = c[field] - (seen.get(key) ?? 0);
            if (delta > 0) this.inc({ consumer }, delta);
            else if (!seen.has(key)) this.inc({ consumer }, 0);
            seen.set(key, c[field]);
          }
        },
      });
    }
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpSeconds.observe({ method, route, status_code: String(statusCode) }, seconds);
    const kind = liveKindOf(method, route);
    if (kind !== null && statusCode >= 200 && statusCode < 300) {
      this.live.record(kind, seconds);
    }
  }

  observeKernel(kernel: string, backend: string, batchSize: number, seconds: number): void {
    const labels = { kernel, backend };
    this.kernelBatchSize.observe(labels, batchSize);
    this.kernelSeconds.observe(labels, seconds);
  }

  setBackend(backend: string, precision: string): void {
    this.backendInfo.reset();
    this.backendInfo.set({ backend, precision }, 1);
  }

  consumerProcessed(consumer: string): void {
    this.consumerMessages.inc({ consumer, outcome: 'processed' });
  }

  consumerError(consumer: string): void {
    this.consumerMessages.inc({ consumer, outcome: 'error' });
  }

  admissionRefused(pool: string, reason: RefusalReason): void {
    this.rejected.inc({ pool });
    this.refused.inc({ pool, reason });
  }

  admissionAdmitted(pool: string, waitedS: number): void {
    this.admitted.inc({ pool });
    this.queueDelay.observe({ pool }, waitedS);
  }

  watchAdmission(pool: string, levels: () => { inflight: number; queued: number }): void {
    this.pools.set(pool, levels);
  }

  /** Consumers that count for themselves (the NATS runtime's health counters), read at scrape time. */
  watchConsumers(read: () => Record<string, { processed: number; errors: number }>): void {
    this.consumerSources.push({ read, seen: new Map() });
  }

  /** The NATS runtime, whose connection, consumers and backlog are read at scrape time. */
  watchNats(source: NatsMetricsSource): void {
    this.nats = source;
  }

  /** A bounded cache whose size is read at scrape time. */
  watchCache(cache: string, size: () => number): void {
    this.caches.set(cache, size);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
