import type { Logger } from 'pino';
import type { Config } from '../config/env.js';
import { natsSecurity } from '../config/nats-connect-settings.js';
import type { NatsKvBackendOptions } from './nats-kv-backend.js';

/** The KV backend's options from the config, shared by the service and migrate-state (no NATS import). */
export function kvBackendOptions(
  config: Config,
  extra: { clock: () => number; log: Logger; maxCachedDecisions: number },
): NatsKvBackendOptions {
  return {
    servers: config.NATS_KV_URL || config.NATS_URL,
    security: { ...natsSecurity(config), serversVariable: config.NATS_KV_URL ? 'NATS_KV_URL' : 'NATS_URL' },
    replicas: config.NATS_KV_REPLICAS,
    stateBucket: config.NATS_KV_BUCKET,
    decisionsBucket: config.NATS_KV_DECISIONS_BUCKET,
    rewardsStream: config.NATS_KV_REWARDS_STREAM,
    rewardsMaxAgeMs: config.NATS_KV_REWARDS_MAX_AGE_S * 1000,
    windowMs: config.REWARD_WINDOW_S * 1000,
    timeoutMs: config.NATS_KV_TIMEOUT_MS,
    ...extra,
  };
}
