import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config/env.js';
import { AppError } from './errors/app-errors.js';
import { ConcurrencyLimiter } from './http/concurrency-limiter.js';
import { createErrorHandler } from './http/error-handler.js';
import { apiDocs } from './http/plugins/api-docs.js';
import { requestContext } from './http/plugins/request-context.js';
import { requestMetrics } from './http/plugins/request-metrics.js';
import { healthRoutes } from './http/routes/health.js';
import { opsRoutes } from './http/routes/ops.js';
import { scoringRoutes } from './http/routes/scoring.js';
import { userRoutes } from './http/routes/users.js';
import type { ConsumerHealth, HealthResponse } from './http/schemas/inspect.js';
import { zodValidatorCompiler } from './http/zod-validator.js';
import { BOUND_TO_REQUEST, createLogger } from './observability/logger.js';
import { ServiceMetrics } from './observability/metrics.js';
import { createErrorReporter } from './observability/sentry.js';
import { createTraceStore, traceIdOf } from './observability/trace-context.js';
import { createRandomSource, type RandomSource } from './policies/random.js';
import { BanditService } from './scoring/bandit-service.js';
import { ReferenceScorer } from './scoring/reference-scorer.js';
import type { Scorer } from './scoring/scorer.js';
import { DecisionJournal } from './state/decision-journal.js';
import { FeatureRings } from './state/feature-ring.js';
import { FileStateStore } from './state/file-store.js';
import { PolicyStateRepository } from './state/policy-state-repository.js';
import type { StateStore } from './state/state-store.js';

/** What a caller (a test, a benchmark) may replace; everything else is built from the config. */
export interface AppOverrides {
  readonly logDestination?: DestinationStream;
  readonly logger?: Logger;
  readonly clock?: () => number;
  readonly random?: RandomSource;
  readonly scorer?: Scorer;
  readonly store?: StateStore;
  readonly metrics?: ServiceMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    bandit: BanditService;
    config: Config;
    metrics: ServiceMetrics;
  }
}

const SERVICE_VERSION = '0.1.0';

const idleConsumer = (): ConsumerHealth => ({ last_msg_ts: null, processed: 0, errors: 0 });

/**
 * The composition root: builds every module from the config, wires them, and returns a ready Fastify
 * app. `server.ts` only listens; tests call this and use `inject` or a real port.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const traces = createTraceStore();
  const log =
    overrides.logger ??
    createLogger({ level: config.LOG_LEVEL, traces, destination: overrides.logDestination });
  const reporter = await createErrorReporter(config.SENTRY_DSN, config.ENV, log);
  const clock = overrides.clock ?? Date.now;
  const metrics = overrides.metrics ?? new ServiceMetrics({ processMetrics: config.METRICS_PROCESS });

  const store = overrides.store ?? new FileStateStore({ dir: config.STATE_DIR, fsync: config.FSYNC, log });
  const states = new PolicyStateRepository(store, {
    lambda: config.RIDGE_LAMBDA,
    cacheSize: config.USER_CACHE_SIZE,
    log,
  });
  const decisions = new DecisionJournal({
    dir: config.STATE_DIR,
    windowMs: config.REWARD_WINDOW_S * 1000,
    maxCached: config.DECISION_CACHE_MAX,
    fsync: config.FSYNC,
    clock,
    log,
  });
  await decisions.open();
  const scorer = overrides.scorer ?? new ReferenceScorer(config.LINUCB_ALPHA, metrics);
  log.info({ backend: scorer.backend, precision: scorer.precision }, 'scoring backend selected');
  metrics.setBackend(scorer.backend, scorer.precision);
  // Scoring and rewards queue separately, so a slow disk under rewards does not stall scoring.
  const admission = (pool: string) =>
    new ConcurrencyLimiter({
      pool,
      maxInflight: config.MAX_INFLIGHT,
      maxQueue: config.MAX_QUEUE,
      retryAfterS: config.RETRY_AFTER_S,
      metrics,
    });

  const rings = new FeatureRings(config.FEATURE_BUFFER_USERS);
  metrics.watchCache('policy_states', () => states.cachedEntries);
  metrics.watchCache('decisions', () => decisions.cached);
  metrics.watchCache('feature_ring_users', () => rings.users);
  const bandit = new BanditService({
    config,
    states,
    decisions,
    rings,
    store,
    scorer,
    random: overrides.random ?? createRandomSource(config.EGREEDY_SEED),
    clock,
  });

  const handleError = createErrorHandler(reporter);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT,
    genReqId: () => randomUUID(),
    // Fastify's request logger binds reqId; it also gets the trace_id. Lines from our own modules get
    // the same ids from the AsyncLocalStorage mixin instead.
    childLoggerFactory(logger, bindings, opts, rawReq) {
      const traceId = traceIdOf(rawReq.headers.traceparent);
      const child = logger.child(traceId ? { ...bindings, trace_id: traceId } : bindings, opts);
      (child as unknown as Record<symbol, unknown>)[BOUND_TO_REQUEST] = true;
      return child;
    },
    return503OnClosing: true,
    // A URL the router cannot decode (`/stats/%`) gets the contract's error body too, not fastify's own.
    frameworkErrors: handleError,
  });
  app.decorate('bandit', bandit);
  app.decorate('config', config);
  app.decorate('metrics', metrics);
  app.setValidatorCompiler(zodValidatorCompiler);
  // Responses are built by our own typed code; validating them again would only cost time.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request) => {
    throw new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });

  await app.register(requestContext, { traces });
  await app.register(requestMetrics, { metrics });
  await app.register(apiDocs, { version: SERVICE_VERSION });
  await app.register(scoringRoutes, {
    bandit,
    scoreLimiter: admission('score'),
    rewardLimiter: admission('reward'),
  });
  await app.register(userRoutes, { bandit, adminToken: config.ADMIN_TOKEN });
  await app.register(healthRoutes, {
    health: async (): Promise<HealthResponse> => ({
      ok: true,
      nats: { enabled: false, consumers: { signals: idleConsumer(), feedback: idleConsumer() } },
      scorer: { backend: scorer.backend, precision: scorer.precision },
      state: { backend: store.kind, reachable: await store.healthy() },
    }),
  });

  await app.register(opsRoutes, { metrics });

  app.addHook('onClose', async () => {
    await states.flush();
    await decisions.close();
    await scorer.close();
    await store.close();
    await reporter.close();
  });
  return app;
}
