import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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
export interface AdmissionMetrics {
  admissionRejected(pool: string): void;
  /** Levels are read when scraped, so the hot path pays nothing for them. */
  watchAdmission(pool: string, levels: () => { inflight: number; queued: number }): void;
}

export interface MetricsOptions {
  /** Process metrics (RSS, heap, event-loop lag, GC). Off in tests that build many apps. */
  readonly processMetrics?: boolean;
}

const TOTAL_SUFFIXED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192];

/**
 * The app's Prometheus metrics, in a Registry of its own: two apps in one process (tests, replicas in
 * one benchmark) never share or double-register series. Built by the composition root and passed to
 * whoever reports.
 */
export class ServiceMetrics implements KernelMetrics, ConsumerMetrics, AdmissionMetrics {
  readonly registry = new Registry();
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status_code'>;
  private readonly kernelBatchSize: Histogram<'kernel' | 'backend'>;
  private readonly kernelSeconds: Histogram<'kernel' | 'backend'>;
  private readonly backendInfo: Gauge<'backend' | 'precision'>;
  private readonly consumerMessages: Counter<'consumer' | 'outcome'>;
  private readonly rejected: Counter<'pool'>;
  private readonly clientErrors: Counter<'status_code'>;
  private readonly caches = new Map<string, () => number>();
  private readonly consumerSources: {
    read: () => Record<string, { processed: number; errors: number }>;
    seen: Map<string, number>;
  }[] = [];
  private readonly pools = new Map<string, () => { inflight: number; queued: number }>();

  constructor(opts: MetricsOptions = {}) {
    const registers = [this.registry];
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
      help: 'Requests answered 503 overloaded because the admission queue was full',
      labelNames: ['pool'],
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

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpSeconds.observe({ method, route, status_code: String(statusCode) }, seconds);
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

  admissionRejected(pool: string): void {
    this.rejected.inc({ pool });
  }

  watchAdmission(pool: string, levels: () => { inflight: number; queued: number }): void {
    this.pools.set(pool, levels);
  }

  /** Consumers that count for themselves (the NATS runtime's health counters), read at scrape time. */
  watchConsumers(read: () => Record<string, { processed: number; errors: number }>): void {
    this.consumerSources.push({ read, seen: new Map() });
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
