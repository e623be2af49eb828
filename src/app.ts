import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { AgentRegistry, builtInAgents } from './agents/mod.js';
import type { Config } from './config/env.js';
import { natsConnectSettings } from './config/nats-connect-settings.js';
import type { ConsumerHealth, HealthResponse } from './contract/mod.js';
import { AppError } from './errors/app-errors.js';
import { type DecisionLogSink, FileDecisionLog, fanOut } from './evaluation/decision-log.js';
import { GatewayClient, TipGenerator } from './generate/mod.js';
import { answerClientError } from './http/client-errors.js';
import { CompiledValidation } from './http/compiled-validator.js';
import { admissionHooks, ConcurrencyLimiter } from './http/concurrency-limiter.js';
import { createErrorHandler } from './http/error-handler.js';
import { apiDocs } from './http/plugins/api-docs.js';
import { boundedJson } from './http/plugins/bounded-json.js';
import { gracefulClose } from './http/plugins/graceful-close.js';
import { requestContext } from './http/plugins/request-context.js';
import { requestMetrics } from './http/plugins/request-metrics.js';
import { agentRoutes } from './http/routes/agents.js';
import { dashboardRoutes } from './http/routes/dashboard.js';
import { generateRoutes } from './http/routes/generate.js';
import { healthRoutes, readyRoutes } from './http/routes/health.js';
import { opsRoutes } from './http/routes/ops.js';
import { recommendRoutes } from './http/routes/recommend.js';
import { scoringRoutes } from './http/routes/scoring.js';
import { userRoutes } from './http/routes/users.js';
import { serverTimeouts } from './http/server-limits.js';
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
const OPS_MAX_WAIT_MS = 10_000;
/** Room for the contract's 128-character user ids (Fastify's default, 100, cut them off with a 400). */
const MAX_PATH_PARAM_LENGTH = 512;

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

/** STATE_BACKEND=lmdb (the default): states, keys and decisions in one embedded database. */
async function openLmdb(config: Config, clock: () => number, log: Logger) {
  const { openLmdbBackend } = await import('./state/lmdb-backend.js');
  return openLmdbBackend({
    dir: config.STATE_DIR,
    fsync: config.FSYNC,
    mapSizeMb: config.LMDB_MAP_SIZE_MB,
    windowMs: config.REWARD_WINDOW_S * 1000,
    decisionCacheBytes: config.DECISION_CACHE_MB * 1024 * 1024,
    clock,
    log,
    importSeedFiles: true,
  });
}

/** STATE_BACKEND=nats-kv: the NATS client is loaded only then. */
async function openSharedState(config: Config, clock: () => number, log: Logger) {
  const { openNatsKvBackend } = await import('./state/nats-kv-backend.js');
  return openNatsKvBackend(
    kvBackendOptions(config, { clock, log, maxCachedDecisions: config.DECISION_CACHE_MAX }),
  );
}

/** What streams the service creates get, and whether it takes existing ones that could lose messages. */
const streamPolicy = (config: Config) => ({
  replicas: config.NATS_STREAM_REPLICAS,
  maxAgeMs: config.NATS_STREAM_MAX_AGE_S * 1000,
  acceptExisting: config.NATS_ACCEPT_EXISTING,
});

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
  const lmdb =
    config.STATE_BACKEND === 'lmdb' && !(overrides.store && overrides.decisions)
      ? await openLmdb(config, clock, log)
      : null;
  const store =
    overrides.store ??
    shared?.store ??
    lmdb?.store ??
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
    ...(shared ? { rewardLog: shared.rewardLog, snapshotDelayMs: config.NATS_KV_SNAPSHOT_DELAY_MS } : {}),
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
  const decisions =
    overrides.decisions ?? shared?.decisions ?? lmdb?.decisions ?? (await openJournal(config, clock, log));
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
      maxWaitMs: config.QUEUE_TIMEOUT_MS,
      targetMs: config.QUEUE_TARGET_MS,
      intervalMs: config.QUEUE_INTERVAL_MS,
      order: config.QUEUE_ORDER,
      metrics,
    });

  const rings = new FeatureRings(config.FEATURE_BUFFER_USERS);
  metrics.watchCache('policy_states', () => states.cachedEntries);
  const journal = decisions;
  if (journal instanceof DecisionJournal) metrics.watchCache('decisions', () => journal.cached);
  if (lmdb) {
    metrics.watchCache('decisions', () => lmdb.decisions.cached);
    metrics.watchCache('decision_bytes', () => lmdb.decisions.cachedBytes);
  }
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
          streams: streamPolicy(config),
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
        connect: natsConnectSettings(config, config.NATS_URL),
        streams: streamPolicy(config),
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
    metrics.watchNats(running);
  }

  const handleError = createErrorHandler(reporter);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT,
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
    ...serverTimeouts(config),
    // user_id is up to 128 characters (CONTRACT §1); a longer one must reach the schema and get its 422.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // A URL the router cannot decode (`/stats/%`) gets the contract's error body too, not fastify's own,
    // and is timed like any request (Fastify runs no hooks on this path).
    frameworkErrors: (err, request, reply) => {
      reply.raw.once('finish', () =>
        metrics.observeRequest(request.method, 'unmatched', reply.statusCode, reply.elapsedTime / 1000),
      );
      handleError(err, request, reply);
    },
    // Errors Node raises before there is a request, or while one is read (431 headers too large,
    // 400 malformed, 408 timeout): the contract's bodies.
    clientErrorHandler: (err, socket) => answerClientError(err, socket, log, metrics),
  });
  app.decorate('bandit', bandit);
  app.decorate('batchBandit', batchBandit);
  app.decorate('config', config);
  app.decorate('metrics', metrics);
  // The contract speaks JSON only; Fastify's built-in text/plain parser would turn a wrong media type
  // into a confusing 422.
  app.removeContentTypeParser('text/plain');
  // Bodies are measured (size, depth, array lengths) as they arrive, before anything recursive reads them.
  await app.register(boundedJson);
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
  const hooks = (limiter: ConcurrencyLimiter) =>
    admissionHooks(limiter, { closeOnRefusal: config.REFUSE_CLOSE });
  const scoreAdmission = hooks(admission('score'));
  const validation = new CompiledValidation();
  await app.register(scoringRoutes, {
    validation,
    bandit,
    batchBandit,
    batchBodyLimit: config.BATCH_BODY_LIMIT,
    scoreAdmission,
    rewardAdmission: hooks(admission('reward')),
  });
  await app.register(recommendRoutes, {
    recommender,
    scoreAdmission,
    validation,
    logDir: decisionLogDir,
    windowMs: config.REWARD_WINDOW_S * 1000,
    policies: [config.ACTIVE_POLICY, ...config.SHADOW_POLICIES],
    clock,
    decisionLog: config.DECISION_LOG,
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
    maxInflight: config.GENERATE_MAX_INFLIGHT,
    retryAfterS: config.RETRY_AFTER_S,
  });
  await app.register(agentRoutes, { agents: overrides.agents ?? new AgentRegistry(builtInAgents()), clock });
  // /health, /ready and /metrics have a small pool of their own: probes are answered while scoring is
  // refusing, and a flood of probes cannot become an overload of its own.
  const opsAdmission = hooks(
    new ConcurrencyLimiter({
      pool: 'ops',
      maxInflight: config.OPS_MAX_INFLIGHT,
      maxQueue: config.OPS_MAX_QUEUE,
      retryAfterS: config.RETRY_AFTER_S,
      // A probe that waits is better than a probe refused: its own timeout decides, not ours.
      maxWaitMs: OPS_MAX_WAIT_MS,
      metrics,
    }),
  );
  await app.register(healthRoutes, {
    admission: opsAdmission,
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

  // Readiness (CONTRACT §4): what keeps the service from doing its job, named; /health stays liveness.
  await app.register(readyRoutes, {
    admission: opsAdmission,
    notReady: async () => {
      const reasons: string[] = [];
      if (!(await store.healthy())) reasons.push(`state store (${store.kind}) not reachable`);
      if (nats) reasons.push(...(await nats.notReady()));
      return reasons;
    },
  });
  await app.register(opsRoutes, {
    metrics,
    setup: {
      scorer: { backend: scorer.backend, precision: scorer.precision },
      batch_scorer: { backend: batchScorer.backend, precision: batchScorer.precision },
      state_backend: store.kind,
      decision_log: config.DECISION_LOG,
      nats: nats !== null,
    },
    admission: opsAdmission,
  });

  await app.register(dashboardRoutes);
  // Open sockets are bounded too (each may hold a request being read): past it, accepted and closed.
  if (config.MAX_CONNECTIONS > 0) app.server.maxConnections = config.MAX_CONNECTIONS;

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
    await lmdb?.close();
    await reporter.close();
  });
  return app;
}
