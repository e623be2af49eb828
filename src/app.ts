import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { AgentRegistry, builtInAgents } from './agents/mod.js';
import type { Config } from './config/env.js';
import { AppError } from './errors/app-errors.js';
import { type DecisionLogSink, FileDecisionLog, fanOut } from './evaluation/decision-log.js';
import { GatewayClient, TipGenerator } from './generate/mod.js';
import { CompiledValidation } from './http/compiled-validator.js';
import { ConcurrencyLimiter } from './http/concurrency-limiter.js';
import { createErrorHandler } from './http/error-handler.js';
import { apiDocs } from './http/plugins/api-docs.js';
import { gracefulClose } from './http/plugins/graceful-close.js';
import { requestContext } from './http/plugins/request-context.js';
import { requestMetrics } from './http/plugins/request-metrics.js';
import { agentRoutes } from './http/routes/agents.js';
import { generateRoutes } from './http/routes/generate.js';
import { healthRoutes } from './http/routes/health.js';
import { opsRoutes } from './http/routes/ops.js';
import { recommendRoutes } from './http/routes/recommend.js';
import { scoringRoutes } from './http/routes/scoring.js';
import { userRoutes } from './http/routes/users.js';
import type { ConsumerHealth, HealthResponse } from './http/schemas/inspect.js';
import { zodValidatorCompiler } from './http/zod-validator.js';
import type { NatsRuntime } from './nats/mod.js';
import { BOUND_TO_REQUEST, createLogger } from './observability/logger.js';
import { ServiceMetrics } from './observability/metrics.js';
import { createErrorReporter } from './observability/sentry.js';
import { createTraceStore, traceIdOf } from './observability/trace-context.js';
import { createRandomSource, type RandomSource } from './policies/random.js';
import { BanditService } from './scoring/bandit-service.js';
import { createScorer } from './scoring/create-scorer.js';
import { RecommendService } from './scoring/recommend-service.js';
import type { Scorer } from './scoring/scorer.js';
import { DecisionJournal } from './state/decision-journal.js';
import type { DecisionStore } from './state/decision-store.js';
import { FeatureRings } from './state/feature-ring.js';
import { FileStateStore } from './state/file-store.js';
import { kvBackendOptions } from './state/kv-backend-options.js';
import { isPolicyDoc } from './state/kv-key.js';
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
  readonly decisions?: DecisionStore;
  /** Context-inference agents; the built-in ones when omitted. */
  readonly agents?: AgentRegistry;
  /** Replaces the decision log's file sink (e.g. with a fan-out that also publishes to NATS). */
  readonly decisionLog?: DecisionLogSink;
}

declare module 'fastify' {
  interface FastifyInstance {
    bandit: BanditService;
    /** The same use cases on the batch path's scorer (BATCH_SCORER_BACKEND). */
    batchBandit: BanditService;
    config: Config;
    metrics: ServiceMetrics;
  }
}

const SERVICE_VERSION = '0.1.0';

async function openJournal(config: Config, clock: () => number, log: Logger): Promise<DecisionJournal> {
  const journal = new DecisionJournal({
    dir: config.STATE_DIR,
    windowMs: config.REWARD_WINDOW_S * 1000,
    maxCached: config.DECISION_CACHE_MAX,
    fsync: config.FSYNC,
    clock,
    log,
  });
  await journal.open();
  return journal;
}

/** STATE_BACKEND=nats-kv: the NATS client is loaded only then. */
async function openSharedState(config: Config, clock: () => number, log: Logger) {
  const { openNatsKvBackend } = await import('./state/nats-kv-backend.js');
  return openNatsKvBackend(
    kvBackendOptions(config, { clock, log, maxCachedDecisions: config.DECISION_CACHE_MAX }),
  );
}

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

  const shared = config.STATE_BACKEND === 'nats-kv' ? await openSharedState(config, clock, log) : null;
  const store =
    overrides.store ??
    shared?.store ??
    new FileStateStore({ dir: config.STATE_DIR, fsync: config.FSYNC, log });
  const scorer = overrides.scorer ?? (await createScorer(config, log, config.SCORER_BACKEND, metrics));
  // /score/batch and the CLI may run on another backend (a GPU's, in float32) than the online path.
  const batchScorer =
    config.BATCH_SCORER_BACKEND.length === 0
      ? scorer
      : await createScorer(config, log, config.BATCH_SCORER_BACKEND, metrics);
  const states = new PolicyStateRepository(store, {
    lambda: config.RIDGE_LAMBDA,
    cacheSize: config.USER_CACHE_SIZE,
    maxAgeMs: shared ? config.NATS_KV_MAX_STALENESS_MS : 0,
    log,
    onChange: (policy, user, state) => {
      scorer.stateChanged?.(policy, user, state);
      if (batchScorer !== scorer) batchScorer.stateChanged?.(policy, user, state);
    },
  });
  // Another replica's reward replaces this one's hot copy as soon as the watch sees it.
  await shared?.store.watch(
    (c) => {
      if (isPolicyDoc(c.key.doc)) states.refresh(c.key.doc, c.key.user, c.stored, c.revision);
    },
    () => states.invalidateAll(),
  );
  const decisions = overrides.decisions ?? shared?.decisions ?? (await openJournal(config, clock, log));
  log.info({ backend: scorer.backend, precision: scorer.precision }, 'scoring backend selected');
  if (batchScorer !== scorer) {
    log.info(
      { backend: batchScorer.backend, precision: batchScorer.precision },
      'batch scoring backend selected',
    );
  }
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
  const journal = decisions;
  if (journal instanceof DecisionJournal) metrics.watchCache('decisions', () => journal.cached);
  metrics.watchCache('feature_ring_users', () => rings.users);
  const decisionLogDir = join(config.STATE_DIR, 'decisions');
  // CONTRACT §6: the NATS modules are loaded only when NATS_URL is set.
  const natsModule = config.NATS_URL === '' ? null : await import('./nats/mod.js');
  let nats: NatsRuntime | null = null;
  // With NATS, the decision log is also published to the `decisions` stream (the file stays the
  // durable record that answers wait for).
  const decisionStream =
    natsModule && config.DECISION_LOG
      ? new natsModule.NatsDecisionSink(() => nats?.connection() ?? null, log, {
          maxBacklog: 100_000,
          closeTimeoutMs: 5_000,
        })
      : null;
  const fileLog = config.DECISION_LOG
    ? (overrides.decisionLog ?? new FileDecisionLog({ dir: decisionLogDir, fsync: config.FSYNC }))
    : null;
  const decisionLog = fileLog && decisionStream ? fanOut([fileLog, decisionStream]) : fileLog;
  const banditDeps = {
    config,
    states,
    decisions,
    rings,
    store,
    scorer,
    random: overrides.random ?? createRandomSource(config.EGREEDY_SEED),
    clock,
    decisionLog: decisionLog ?? undefined,
  };
  const bandit = new BanditService(banditDeps);
  const batchBandit =
    batchScorer === scorer ? bandit : new BanditService({ ...banditDeps, scorer: batchScorer });
  const recommender = new RecommendService({
    bandit,
    active: config.ACTIVE_POLICY,
    shadows: config.SHADOW_POLICIES,
    epsilon: config.EGREEDY_EPSILON,
    log: decisionLog,
    clock,
  });

  if (natsModule) {
    nats = natsModule.startNats(
      {
        url: config.NATS_URL,
        durablePrefix: config.NATS_DURABLE_PREFIX,
        maxDeliver: config.NATS_MAX_DELIVER,
        ackWaitMs: config.NATS_ACK_WAIT_S * 1000,
        nakDelayMs: config.NATS_NAK_DELAY_MS,
        concurrency: config.NATS_CONCURRENCY,
      },
      { bandit, store, traces, log, clock },
    );
    const running = nats;
    metrics.watchConsumers(() => running.health().consumers);
  }

  const handleError = createErrorHandler(reporter);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT,
    // A client pool that reuses an idle socket just as the server closes it gets "other side closed";
    // outliving the pools' own idle timeouts (Go 90 s, nginx 75 s, AWS ALB 60 s) leaves them to close.
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Two lines per request are a large share of a /score's CPU (docs/hot-path.md): opt-in. Failures
    // are still logged, by the error handler.
    logController: new LogController({ disableRequestLogging: !config.LOG_REQUESTS }),
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
  app.decorate('batchBandit', batchBandit);
  app.decorate('config', config);
  app.decorate('metrics', metrics);
  // The contract speaks JSON only; Fastify's built-in text/plain parser would turn a wrong media type
  // into a confusing 422.
  app.removeContentTypeParser('text/plain');
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
  await app.register(gracefulClose);
  const scoreLimiter = admission('score');
  const validation = new CompiledValidation();
  await app.register(scoringRoutes, {
    validation,
    bandit,
    batchBandit,
    batchBodyLimit: config.BATCH_BODY_LIMIT,
    scoreLimiter,
    rewardLimiter: admission('reward'),
  });
  await app.register(recommendRoutes, {
    recommender,
    scoreLimiter,
    validation,
    logDir: decisionLogDir,
    windowMs: config.REWARD_WINDOW_S * 1000,
    policies: [config.ACTIVE_POLICY, ...config.SHADOW_POLICIES],
    clock,
  });
  await app.register(userRoutes, { bandit, adminToken: config.ADMIN_TOKEN });
  const gateway = new GatewayClient({
    baseUrl: config.LITELLM_URL,
    apiKey: config.LITELLM_MASTER_KEY,
    model: config.LITELLM_MODEL,
    timeoutMs: config.GENERATE_TIMEOUT_MS,
    log,
  });
  await app.register(generateRoutes, {
    tips: new TipGenerator({ gateway, defaultPromptVersion: config.DEFAULT_PROMPT_VERSION, log }),
  });
  await app.register(agentRoutes, { agents: overrides.agents ?? new AgentRegistry(builtInAgents()), clock });
  await app.register(healthRoutes, {
    health: async (): Promise<HealthResponse> => ({
      ok: true,
      nats: nats?.health() ?? {
        enabled: false,
        consumers: { signals: idleConsumer(), feedback: idleConsumer() },
      },
      scorer: {
        backend: scorer.backend,
        precision: scorer.precision,
        batch: { backend: batchScorer.backend, precision: batchScorer.precision },
      },
      state: { backend: store.kind, reachable: await store.healthy() },
    }),
  });

  await app.register(opsRoutes, { metrics });

  app.addHook('onClose', async () => {
    // First: messages in hand finish (acked after their state is written) before the stores close.
    await decisionStream?.close();
    await nats?.close();
    await states.flush();
    await decisions.close();
    await decisionLog?.close();
    await scorer.close();
    if (batchScorer !== scorer) await batchScorer.close();
    await store.close();
    await reporter.close();
  });
  return app;
}
