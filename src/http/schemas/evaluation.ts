import { z } from 'zod';
import { PolicyName, Timestamp } from './common.js';

export const EvaluationQuery = z.object({
  from: Timestamp.optional().meta({ description: 'Start of the window (default: 7 days before `to`)' }),
  to: Timestamp.optional().meta({ description: 'End of the window (default: now)' }),
});

const Interval = z.tuple([z.number(), z.number()]).nullable();

export const PolicyEstimateSchema = z.object({
  policy: PolicyName,
  role: z.enum(['logging', 'shadow', 'mixed']),
  n: z.number().int(),
  ips: z.number().nullable(),
  snips: z.number().nullable(),
  dr: z.number().nullable(),
  ci95: Interval.meta({ description: '95% interval of DR (null below 2 decisions)' }),
  ips_ci95: Interval,
  snips_ci95: Interval,
  ess: z.number(),
});

export const EvaluationResponse = z
  .object({
    from: z.string(),
    to: z.string(),
    policies: z.array(PolicyEstimateSchema),
    decisions: z.number().int(),
    awaiting_reward: z.number().int(),
    skipped_lines: z.number().int(),
  })
  .meta({ id: 'EvaluationResponse' });
export type EvaluationResponse = z.infer<typeof EvaluationResponse>;
