import { z } from 'zod';
import { PolicyName, Timestamp } from './common.js';

/** Widths of the time series' buckets; epoch-aligned, so `day` is a UTC day. */
export const SERIES_BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

export const EvaluationQuery = z.object({
  from: Timestamp.optional().meta({ description: 'Start of the window (default: 7 days before `to`)' }),
  to: Timestamp.optional().meta({ description: 'End of the window (default: now)' }),
  bucket: z
    .enum(['hour', 'day'])
    .default('day')
    .meta({ description: 'Width of the `series` buckets (UTC hours or days)' }),
});

const Interval = z.tuple([z.number(), z.number()]).nullable();

const Estimates = {
  n: z.number().int().meta({ description: 'Decisions counted (rewarded, or past their reward window)' }),
  ips: z.number().nullable(),
  snips: z.number().nullable(),
  dr: z.number().nullable(),
  ci95: Interval.meta({ description: '95% interval of DR (null below 2 decisions)' }),
  ips_ci95: Interval,
  snips_ci95: Interval,
  ess: z.number().meta({ description: 'Effective sample size (Σw)²/Σw² of the importance weights' }),
};

export const PolicyEstimateSchema = z.object({
  policy: PolicyName,
  role: z.enum(['logging', 'shadow', 'mixed']),
  ...Estimates,
  agreement: z.number().nullable().meta({
    description:
      "Share of the decisions this policy shadowed where its choice was the logged one (null when it shadowed none: the logging policy's own row)",
  }),
});

export const SeriesPointSchema = z.object({
  start: z.string().meta({ description: "The bucket's start (RFC 3339, UTC)" }),
  policy: PolicyName,
  ...Estimates,
});

export const EvaluationResponse = z
  .object({
    from: z.string(),
    to: z.string(),
    policies: z.array(PolicyEstimateSchema),
    decisions: z
      .number()
      .int()
      .meta({ description: 'Decisions of the window that count: rewarded, or past their reward window' }),
    rewarded: z
      .number()
      .int()
      .meta({ description: 'Of those, the ones whose reward arrived (the rest count with reward 0)' }),
    awaiting_reward: z.number().int(),
    skipped_lines: z.number().int(),
    decision_log: z.boolean().meta({
      description: 'Whether this service writes the decision log (DECISION_LOG); false: nothing to evaluate',
    }),
    series_bucket: z.enum(['hour', 'day']),
    series: z.array(SeriesPointSchema).meta({
      description:
        'The same estimates per bucket of the window (decisions by their time), bucket by bucket in time order; buckets with no decision are absent',
    }),
  })
  .meta({ id: 'EvaluationResponse' });
export type EvaluationResponse = z.infer<typeof EvaluationResponse>;
