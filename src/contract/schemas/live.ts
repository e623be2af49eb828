import { z } from 'zod';

const PerKind = (what: string) =>
  z.object({
    score: z
      .number()
      .nullable()
      .meta({ description: `${what} of score requests (/score*, /recommend)` }),
    reward: z
      .number()
      .nullable()
      .meta({ description: `${what} of reward requests (/reward*)` }),
  });

export const LiveResponse = z
  .object({
    window_s: z
      .number()
      .meta({ description: 'Seconds the figures cover (the last minute, less after start)' }),
    per_second: PerKind('Answered (2xx) per second'),
    p99_ms: PerKind('99th percentile latency in ms (null with none in the window)'),
    scorer: z.object({ backend: z.string(), precision: z.string() }),
    batch_scorer: z.object({ backend: z.string(), precision: z.string() }),
    state_backend: z.string(),
    decision_log: z.boolean(),
    nats: z.boolean().meta({ description: 'Whether the NATS consumers are configured (NATS_URL)' }),
  })
  .meta({ id: 'LiveResponse' });
export type LiveResponse = z.infer<typeof LiveResponse>;
