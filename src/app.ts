import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Config } from './config/env.js';
import { AppError } from './errors/app-errors.js';
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
import { BOUND_TO_REQUEST } from './observability/logger.js';
import type { ServiceMetrics } from './observability/metrics.js';
import { traceIdOf } from './observability/trace-context.js';
import type { BanditService } from './scoring/bandit-service.js';
import { buildServices, type ServiceOverrides, type Services } from './services.js';

/** What a caller (a test, a benchmark) may replace; see `ServiceOverrides`. */
export type AppOverrides = ServiceOverrides;

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

/**
 * The whole service over HTTP: builds the services from the config and serves them. `server.ts` only
 * listens; tests call this and use `inject` or a real port. Closing the app closes the services.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const services = await buildServices(config, overrides);
  try {
    return await createHttpApp(services);
  } catch (err) {
    await services.close();
    throw err;
  }
}

/** The Fastify app over already built services: plugins, admission pools and routes. */
export async function createHttpApp(services: Services): Promise<FastifyInstance> {
  const {
    config,
    log,
    reporter,
    metrics,
    traces,
    clock,
    bandit,
    batchBandit,
    recommender,
    scorer,
    batchScorer,
    store,
  } = services;
  const decisionLogDir = services.decisionLogDir;
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
  await app.register(generateRoutes, {
    tips: services.tips,
    maxInflight: config.GENERATE_MAX_INFLIGHT,
    retryAfterS: config.RETRY_AFTER_S,
  });
  await app.register(agentRoutes, { agents: services.agents, clock });
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
    health: services.health,
  });

  // Readiness (CONTRACT §4): what keeps the service from doing its job, named; /health stays liveness.
  await app.register(readyRoutes, {
    admission: opsAdmission,
    notReady: services.notReady,
  });
  await app.register(opsRoutes, {
    metrics,
    setup: {
      scorer: { backend: scorer.backend, precision: scorer.precision },
      batch_scorer: { backend: batchScorer.backend, precision: batchScorer.precision },
      state_backend: store.kind,
      decision_log: config.DECISION_LOG,
      nats: services.nats !== null,
    },
    admission: opsAdmission,
  });

  await app.register(dashboardRoutes);
  // Open sockets are bounded too (each may hold a request being read): past it, accepted and closed.
  if (config.MAX_CONNECTIONS > 0) app.server.maxConnections = config.MAX_CONNECTIONS;

  app.addHook('onClose', services.close);
  return app;
}
