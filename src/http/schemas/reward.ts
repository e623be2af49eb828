import { z } from 'zod';
import { PolicyName, ProfileFeatures, Timestamp, Timezone, UserId } from './common.js';
import { Candidate } from './score.js';

/**
 * Both forms of CONTRACT §4 in one object, so that a missing field is reported at its own `loc`:
 * by event `{user_id, reward, event_id, candidate_id}`, or by value `{user_id, reward, candidate, …}`.
 */
export const RewardRequest = z
  .object({
    user_id: UserId,
    reward: z.number().min(-1).max(1),
    event_id: z.string().min(1).max(256).optional(),
    candidate_id: z.string().min(1).max(256).optional(),
    candidate: Candidate.optional(),
    now: Timestamp.optional(),
    timezone: Timezone.optional(),
    profile_features: ProfileFeatures.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.candidate !== undefined) return;
    if (r.event_id === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'Field required (or send `candidate`)',
        path: ['event_id'],
        params: { type: 'missing' },
      });
    if (r.candidate_id === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'Field required (or send `candidate`)',
        path: ['candidate_id'],
        params: { type: 'missing' },
      });
  })
  .meta({ id: 'RewardRequest' });
export type RewardRequest = z.infer<typeof RewardRequest>;

export const RewardResponse = z
  .object({ user_id: z.string(), policy: PolicyName, applied: z.boolean(), n_updates: z.number().int() })
  .meta({ id: 'RewardResponse' });
export type RewardResponse = z.infer<typeof RewardResponse>;
