import { z } from 'zod';
import { PolicyName } from './common.js';

export const StatsResponse = z
  .object({
    user_id: z.string(),
    policy: PolicyName,
    d: z.number().int(),
    n_updates: z.number().int(),
    total_reward: z.number(),
    mean_reward: z.number().nullable(),
    theta: z.array(z.number()),
    last_update_ts: z.string().nullable(),
    lambda: z.number(),
    params: z.union([z.object({ alpha: z.number() }), z.object({ epsilon: z.number() })]),
  })
  .meta({ id: 'StatsResponse' });
export type StatsResponse = z.infer<typeof StatsResponse>;

export const FeaturesResponse = z
  .object({
    user_id: z.string(),
    items: z.array(
      z.object({
        ts: z.string(),
        policy: PolicyName,
        event_id: z.string(),
        candidate_id: z.string(),
        x: z.array(z.number()),
      }),
    ),
  })
  .meta({ id: 'FeaturesResponse' });

export const ResetResponse = z
  .object({ user_id: z.string(), reset: z.literal(true) })
  .meta({ id: 'ResetResponse' });

const ConsumerHealth = z.object({
  last_msg_ts: z.string().nullable(),
  processed: z.number().int(),
  errors: z.number().int(),
  running: z.boolean().optional(),
  dead_lettered: z.number().int().optional(),
  dead_letter_failures: z.number().int().optional(),
  /** Why the consumer is not running (a refused stream, say); null when nothing is wrong. */
  problem: z.string().nullable().optional(),
});

export const HealthResponse = z
  .object({
    ok: z.boolean(),
    nats: z.object({
      enabled: z.boolean(),
      connected: z.boolean().optional(),
      /** Why the connection is down or refused (an authentication failure names its variables). */
      problem: z.string().nullable().optional(),
      consumers: z.object({ signals: ConsumerHealth, feedback: ConsumerHealth }),
    }),
    scorer: z.object({
      backend: z.string(),
      precision: z.enum(['float64', 'float32']),
      /** The backend of /score/batch and the batch-score CLI (BATCH_SCORER_BACKEND). */
      batch: z.object({ backend: z.string(), precision: z.enum(['float64', 'float32']) }).optional(),
    }),
    state: z.object({ backend: z.string(), reachable: z.boolean() }),
  })
  .meta({ id: 'HealthResponse' });

/** GET /ready (CONTRACT §4): 200 with ready true, or 503 with the reasons. */
export const ReadyResponse = z
  .object({ ready: z.boolean(), reasons: z.array(z.string()).optional() })
  .meta({ id: 'ReadyResponse' });
export type ReadyResponse = z.infer<typeof ReadyResponse>;
export type HealthResponse = z.infer<typeof HealthResponse>;
export type ConsumerHealth = z.infer<typeof ConsumerHealth>;
