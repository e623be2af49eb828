import { join } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import { AgentRegistry, builtInAgents } from './agents/mod.js';
import type { Config } from './config/env.js';
import { natsConnectSettings } from './config/nats-connect-settings.js';
import type { ConsumerHealth, HealthResponse } from './contract/mod.js';
import { type DecisionLogSink, FileDecisionLog, fanOut } from './evaluation/mod.js';
import { GatewayClient, TipGenerator } from './generate/mod.js';
import type { NatsRuntime } from './nats/mod.js';
import { createLogger } from './observability/logger.js';
import { ServiceMetrics } from './observability/metrics.js';
import { createErrorReporter, type ErrorReporter } from './observability/sentry.js';
import { createTraceStore, type TraceStore } from './observability/trace-context.js';
import { createRandomSource, type RandomSource } from './policies/mod.js';
import { BanditService } from './scoring/bandit-service.js';
import { createScorer } from './scoring/create-scorer.js';
import { RecommendService } from './scoring/recommend-service.js';
import type { Scorer } from './scoring/scorer.js';
import { FeatureRings } from './state/feature-ring.js';
import { FileStateStore } from './state/file-store.js';
import { kvBackendOptions } from './state/kv-backend-options.js';
import { isPolicyDoc } from './state/kv-key.js';
import { PolicyStateRepository } from './state/policy-state-repository.js';
import { ScoredEventJournal } from './state/scored-event-journal.js';
import type { ScoredEventStore } from './state/scored-event-store.js';
import type { StateStore } from './state/state-store.js';

/** What a caller (a test, a benchmark) may replace; everything else is built from the config. */
export interface ServiceOverrides {
  readonly logDestination?: DestinationStream;
  readonly logger?: Logger;
  readonly clock?: () => number;
  readonly random?: RandomSource;
  readonly scorer?: Scorer;
  readonly store?: StateStore;
  readonly metrics?: ServiceMetrics;
  readonly decisions?: ScoredEventStore;
  /** Context-inference agents; the built-in ones when omitted. */
  readonly agents?: AgentRegistry;
  /** Replaces the decision log's file sink (e.g. with a fan-out that also publishes to NATS). */
  readonly decisionLog?: DecisionLogSink;
}

/**
 * Everything the service does, built from the config and wired, with no transport: the HTTP app
 * (`app.ts`) registers routes over it, the batch CLI calls its use cases directly. NATS consumers,
 * when NATS_URL is set, are part of it (they are a way in that needs no HTTP).
 */
export interface Services {
  readonly config: Config;
  readonly log: Logger;
  readonly traces: TraceStore;
  readonly reporter: ErrorReporter;
  readonly clock: () => number;
  readonly metrics: ServiceMetrics;
  readonly store: StateStore;
  readonly scorer: Scorer;
  /** The batch path's scorer (BATCH_SCORER_BACKEND); the online one when that is empty. */
  readonly batchScorer: Scorer;
  readonly bandit: BanditService;
  /** The same use cases on `batchScorer`. */
  readonly batchBandit: BanditService;
  readonly recommender: RecommendService;
  /** Where the /recommend decision log's files are, for the evaluation that reads them back. */
  readonly decisionLogDir: string;
  readonly tips: TipGenerator;
  readonly agents: AgentRegistry;
  readonly nats: NatsRuntime | null;
  /** Liveness with what each part reports (CONTRACT §4). */
  health(): Promise<HealthResponse>;
  /** What keeps the service from doing its job, named; empty when ready. */
  notReady(): Promise<string[]>;
  /** Stops consumers (messages in hand finish first), flushes, then closes every store. */
  close(): Promise<void>;
}

async function openJournal(config: Config, clock: () => number, log: Logger): Promise<ScoredEventJournal> {
  const journal = new ScoredEventJournal({
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

/** The composition root of the domain: builds every module from the config and wires them. */
export async function buildServices(config: Config, overrides: ServiceOverrides = {}): Promise<Services> {
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
  const rings = new FeatureRings(config.FEATURE_BUFFER_USERS);
  metrics.watchCache('policy_states', () => states.cachedEntries);
  const journal = decisions;
  if (journal instanceof ScoredEventJournal) metrics.watchCache('decisions', () => journal.cached);
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

  const gateway = new GatewayClient({
    baseUrl: config.LITELLM_URL,
    apiKey: config.LITELLM_MASTER_KEY,
    model: config.LITELLM_MODEL,
    timeoutMs: config.GENERATE_TIMEOUT_MS,
    log,
  });
  const running = nats as NatsRuntime | null;
  return {
    config,
    log,
    traces,
    reporter,
    clock,
    metrics,
    store,
    scorer,
    batchScorer,
    bandit,
    batchBandit,
    recommender,
    decisionLogDir,
    tips: new TipGenerator({ gateway, defaultPromptVersion: config.DEFAULT_PROMPT_VERSION, log }),
    agents: overrides.agents ?? new AgentRegistry(builtInAgents()),
    nats: running,
    health: async () => ({
      ok: true,
      nats: running?.health() ?? {
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
    notReady: async () => {
      const reasons: string[] = [];
      if (!(await store.healthy())) reasons.push(`state store (${store.kind}) not reachable`);
      if (running) reasons.push(...(await running.notReady()));
      return reasons;
    },
    close: async () => {
      // First: messages in hand finish (acked after their state is written) before the stores close.
      await decisionStream?.close();
      await running?.close();
      await states.flush();
      await decisions.close();
      await decisionLog?.close();
      await scorer.close();
      if (batchScorer !== scorer) await batchScorer.close();
      await store.close();
      await lmdb?.close();
      await reporter.close();
    },
  };
}
