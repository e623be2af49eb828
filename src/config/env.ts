import { z } from 'zod';
import { BACKEND_NAMES, type BackendChoice, parseBackendList } from '../../kernels/registry.js';
import { PROMPT_VERSIONS } from '../generate/mod.js';
import { POLICY_NAMES, type PolicyName } from '../policies/mod.js';

/** Environment flags accept the usual spellings; anything else is an error, not a silent false. */
const flag = (fallback: boolean) =>
  z
    .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
    .default(fallback ? '1' : '0')
    .transform((v) => (v === '' ? fallback : ['1', 'true', 'yes', 'on'].includes(v)));

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const num = (fallback: number, min: number, max = Number.POSITIVE_INFINITY) =>
  z.coerce.number().finite().min(min).max(max).default(fallback);

const policyName = z.enum(POLICY_NAMES);

function parseBackends(s: string, ctx: z.RefinementCtx): BackendChoice[] {
  const list = parseBackendList(s);
  if (list) return list;
  ctx.addIssue({
    code: 'custom',
    message: `a comma-separated list of auto, ${BACKEND_NAMES.join(', ')}`,
  });
  return z.NEVER;
}

const backendList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => parseBackends(s, ctx));

const policyList = z
  .string()
  .default('linucb_v1,egreedy_v2')
  .transform((s, ctx): PolicyName[] => {
    const names = s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    for (const p of names) {
      if (!(POLICY_NAMES as readonly string[]).includes(p)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown policy "${p}" (known: ${POLICY_NAMES.join(', ')})`,
        });
        return z.NEVER;
      }
    }
    return [...new Set(names)] as PolicyName[];
  });

/**
 * Every variable the service reads, with the contract's defaults (CONTRACT.md §7 and the seed's table).
 * Exported so that tests, docs and the README table share one definition.
 */
export const EnvSchema = z.object({
  PORT: int(8000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  STATE_DIR: z.string().min(1).default('/tmp/oo-bandit-state'),
  STATE_BACKEND: z.enum(['lmdb', 'file', 'nats-kv']).default('lmdb'),
  /** STATE_BACKEND=lmdb: the map's initial size; 0 starts small. The library grows it as data comes. */
  LMDB_MAP_SIZE_MB: int(0, 0),
  /** STATE_BACKEND=lmdb: decoded decisions kept in the heap (an LRU bounded in bytes, not count). */
  DECISION_CACHE_MB: int(16, 0),
  FSYNC: flag(false),
  USER_CACHE_SIZE: int(10_000, 1),
  FEATURE_BUFFER_USERS: int(10_000, 1),
  DECISION_CACHE_MAX: int(200_000, 1),

  RIDGE_LAMBDA: num(1, Number.MIN_VALUE),
  LINUCB_ALPHA: num(1, 0),
  EGREEDY_EPSILON: num(0.1, 0, 1),
  EGREEDY_SEED: z
    .string()
    .default('')
    .transform((s, ctx) => {
      if (s === '') return undefined;
      const n = Number(s);
      if (!Number.isSafeInteger(n)) {
        ctx.addIssue({ code: 'custom', message: 'must be an integer' });
        return z.NEVER;
      }
      return n;
    }),
  REWARD_WINDOW_S: int(86_400, 1),

  ACTIVE_POLICY: policyName.default('egreedy_v1'),
  SHADOW_POLICIES: policyList,
  DECISION_LOG: flag(true),

  BODY_LIMIT: int(1024 * 1024, 1024),
  BATCH_BODY_LIMIT: int(64 * 1024 * 1024, 1024),
  ADMIN_TOKEN: z.string().default(''),

  SCORER_BACKEND: backendList('auto'),
  // /score/batch and the batch-score CLI; empty: the online scorer. A GPU node names its GPU here and
  // keeps the online path float64 (CONTRACT §3).
  BATCH_SCORER_BACKEND: z
    .string()
    .default('')
    .transform((s, ctx): BackendChoice[] => {
      if (s.trim() === '') return [];
      return parseBackends(s, ctx);
    }),
  SCORE_BATCH_MAX: int(128, 1, 10_000),
  SCORE_BATCH_WAIT_US: int(100, 0, 1_000_000),
  SCORER_SLAB_USERS: int(10_000, 1),
  // Read by kernels/tfjs-webgpu when it loads; declared here so a typo stops the service at start.
  WEBGPU_ADAPTER: z.enum(['auto', 'hardware', 'software']).default('auto'),
  WEBGPU_DAWN_OPTIONS: z.string().default(''),

  MAX_INFLIGHT: int(64, 1),
  MAX_QUEUE: int(1024, 0),
  RETRY_AFTER_S: int(1, 0, 3600),
  // Admission by queueing delay (docs/overload.md).
  QUEUE_TIMEOUT_MS: int(250, 1, 600_000),
  QUEUE_TARGET_MS: int(20, 1, 600_000),
  QUEUE_INTERVAL_MS: int(100, 1, 600_000),
  QUEUE_ORDER: z.enum(['adaptive-lifo', 'fifo']).default('adaptive-lifo'),
  REFUSE_CLOSE: flag(false),
  OPS_MAX_INFLIGHT: int(4, 1),
  OPS_MAX_QUEUE: int(64, 0),
  MAX_CONNECTIONS: int(4096, 0),
  // Slow clients (docs/overload.md): every phase of reading a request has a limit, answered 408.
  HEADERS_TIMEOUT_MS: int(10_000, 1),
  REQUEST_TIMEOUT_MS: int(30_000, 1),
  METRICS_PROCESS: flag(true),

  LITELLM_URL: z.url().default('http://localhost:4000'),
  LITELLM_MASTER_KEY: z.string().default('sk-oo-dev'),
  LITELLM_MODEL: z.string().min(1).default('tip-generator'),
  GENERATE_TIMEOUT_MS: int(10_000, 1),
  GENERATE_MAX_INFLIGHT: int(16, 1, 10_000),
  DEFAULT_PROMPT_VERSION: z.enum(PROMPT_VERSIONS).default('v1'),

  NATS_URL: z.string().default(''),
  NATS_DURABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only')
    .default('feature-pipeline'),
  NATS_MAX_DELIVER: int(5, 1),
  NATS_ACK_WAIT_S: num(30, 1),
  NATS_NAK_DELAY_MS: int(2000, 0),
  NATS_CONCURRENCY: int(8, 1, 1024),
  // Authentication and TLS (CONTRACT §6), for the consumers and the KV state store alike. At most one
  // way to authenticate; credentials written in NATS_URL count when none of these is set.
  NATS_USER: z.string().default(''),
  NATS_PASSWORD: z.string().default(''),
  NATS_TOKEN: z.string().default(''),
  NATS_CREDS: z.string().default(''),
  NATS_NKEY_SEED_FILE: z.string().default(''),
  NATS_TLS_CA: z.string().default(''),
  NATS_TLS_CERT: z.string().default(''),
  NATS_TLS_KEY: z.string().default(''),
  /** Streams the service creates: replicas and age limit (0: no age limit). */
  NATS_STREAM_REPLICAS: int(1, 1, 5),
  NATS_STREAM_MAX_AGE_S: int(604_800, 0),
  /** Use existing streams/consumers whose settings could lose messages (the difference is logged). */
  NATS_ACCEPT_EXISTING: flag(false),
  /** STATE_BACKEND=nats-kv: servers holding the buckets (comma-separated); empty means NATS_URL. */
  NATS_KV_URL: z.string().default(''),
  NATS_KV_REPLICAS: int(1, 1, 5),
  NATS_KV_BUCKET: z
    .string()
    .regex(/^[-\w]+$/, 'letters, digits, "_" and "-" only')
    .default('oo-bandit-state'),
  NATS_KV_DECISIONS_BUCKET: z
    .string()
    .regex(/^[-\w]+$/, 'letters, digits, "_" and "-" only')
    .default('oo-bandit-decisions'),
  NATS_KV_TIMEOUT_MS: int(5000, 100),
  NATS_KV_MAX_STALENESS_MS: int(2000, 10),
  /** STATE_BACKEND=nats-kv: the stream of rewards that the state's KV values are snapshots of. */
  NATS_KV_REWARDS_STREAM: z
    .string()
    .regex(/^[-\w]+$/, 'letters, digits, "_" and "-" only')
    .default('rewards'),
  NATS_KV_REWARDS_MAX_AGE_S: int(604_800, 60),
  NATS_KV_SNAPSHOT_DELAY_MS: int(0, 0),

  ENV: z.string().default('development'),
  SENTRY_DSN: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** One "incoming request" and one "request completed" line per request; off by default (CPU). */
  LOG_REQUESTS: flag(false),
  /** Idle keep-alive sockets are closed after this; longer than common client pools' idle timeouts. */
  KEEP_ALIVE_TIMEOUT_MS: int(125_000, 1),
});

export type Config = z.output<typeof EnvSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
  }
}

/** Reads the environment once; a variable with an unusable value is named in the thrown ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k]]));
  const parsed = EnvSchema.safeParse(known);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })),
    );
  }
  const config = parsed.data;
  if (config.STATE_BACKEND === 'nats-kv' && config.NATS_KV_URL === '' && config.NATS_URL === '') {
    throw new ConfigError([
      { variable: 'NATS_KV_URL', message: 'STATE_BACKEND=nats-kv needs NATS_KV_URL or NATS_URL' },
    ]);
  }
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) {
    // Node refuses it too: the headers are part of the request.
    throw new ConfigError([
      { variable: 'HEADERS_TIMEOUT_MS', message: 'must not be larger than REQUEST_TIMEOUT_MS' },
    ]);
  }
  const natsProblems = natsAuthProblems(config);
  if (natsProblems.length > 0) throw new ConfigError(natsProblems);
  // CONTRACT §4: /reset must not be open to anyone in production (the development default stays open).
  if (config.ENV === 'production' && config.ADMIN_TOKEN === '') {
    throw new ConfigError([
      { variable: 'ADMIN_TOKEN', message: 'ENV=production needs ADMIN_TOKEN (it guards POST /reset)' },
    ]);
  }
  if (config.SHADOW_POLICIES.includes(config.ACTIVE_POLICY)) {
    config.SHADOW_POLICIES = config.SHADOW_POLICIES.filter((p) => p !== config.ACTIVE_POLICY);
  }
  return config;
}

/** One way to authenticate, and a certificate only with its key. */
function natsAuthProblems(c: Config): { variable: string; message: string }[] {
  const problems: { variable: string; message: string }[] = [];
  const ways = (
    [
      ['NATS_USER', c.NATS_USER],
      ['NATS_TOKEN', c.NATS_TOKEN],
      ['NATS_CREDS', c.NATS_CREDS],
      ['NATS_NKEY_SEED_FILE', c.NATS_NKEY_SEED_FILE],
    ] as const
  ).filter(([, v]) => v !== '');
  if (ways.length > 1)
    problems.push({
      variable: ways[1]![0],
      message: `set one way to authenticate, not ${ways.map(([k]) => k).join(' and ')}`,
    });
  if (c.NATS_PASSWORD !== '' && c.NATS_USER === '')
    problems.push({ variable: 'NATS_USER', message: 'NATS_PASSWORD is set without NATS_USER' });
  if ((c.NATS_TLS_CERT === '') !== (c.NATS_TLS_KEY === ''))
    problems.push({
      variable: c.NATS_TLS_CERT === '' ? 'NATS_TLS_CERT' : 'NATS_TLS_KEY',
      message: 'a client certificate needs both NATS_TLS_CERT and NATS_TLS_KEY',
    });
  return problems;
}

/** Defaults plus overrides, for tests and embedding: `testConfig({ STATE_DIR: dir })`. */
export function configWith(overrides: Partial<Record<keyof Config, string>>): Config {
  return loadConfig({ ...overrides } as NodeJS.ProcessEnv);
}
