import { z } from 'zod';
import { BACKEND_NAMES, type BackendChoice, parseBackendList } from '../../kernels/registry.js';
import { PROMPT_VERSIONS } from '../generate/prompts/mod.js';
import { POLICY_NAMES, type PolicyName } from '../policies/policy-names.js';

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
  STATE_BACKEND: z.enum(['file', 'nats-kv']).default('file'),
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
  MAX_QUEUE: int(64, 0),
  RETRY_AFTER_S: int(1, 0, 3600),
  METRICS_PROCESS: flag(true),

  LITELLM_URL: z.url().default('http://localhost:4000'),
  LITELLM_MASTER_KEY: z.string().default('sk-oo-dev'),
  LITELLM_MODEL: z.string().min(1).default('tip-generator'),
  GENERATE_TIMEOUT_MS: int(10_000, 1),
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

  ENV: z.string().default('development'),
  SENTRY_DSN: z.string().default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** One "incoming request" and one "request completed" line per request; off by default (CPU). */
  LOG_REQUESTS: flag(false),
  /** Idle keep-alive sockets are closed after this; longer than common client pools' idle timeouts. */
  KEEP_ALIVE_TIMEOUT_MS: int(125_000, 1000),
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
  if (config.SHADOW_POLICIES.includes(config.ACTIVE_POLICY)) {
    config.SHADOW_POLICIES = config.SHADOW_POLICIES.filter((p) => p !== config.ACTIVE_POLICY);
  }
  return config;
}

/** Defaults plus overrides, for tests and embedding: `testConfig({ STATE_DIR: dir })`. */
export function configWith(overrides: Partial<Record<keyof Config, string>>): Config {
  return loadConfig({ ...overrides } as NodeJS.ProcessEnv);
}
