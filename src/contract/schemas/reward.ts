import { z } from 'zod';
import { PolicyName, ProfileFeatures, Timestamp, Timezone, UserId } from './common.js';
import { Candidate } from './score.js';

const Reward = z.number().min(-1).max(1).meta({ description: 'A finite number in [-1, 1]', example: 1 });
const EventId = z.string().min(1).max(256).meta({ description: 'The event_id of a score response' });

/** By event: the decision the event recorded gives the vector (CONTRACT §4). */
export const RewardByEvent = z
  .object({
    user_id: UserId,
    reward: Reward,
    event_id: EventId,
    candidate_id: z.string().min(1).max(256).meta({ description: 'One of the event’s candidates' }),
    candidate: z.never().optional().meta({ description: 'Not in this form (send `candidate` for by-value)' }),
  })
  .meta({ id: 'RewardByEvent', description: 'A reward for a candidate of an event scored by this service' });

/** By value: the service rebuilds x from the candidate, as its score endpoint did for that `now`. */
export const RewardByValue = z
  .object({
    user_id: UserId,
    reward: Reward,
    candidate: Candidate,
    now: Timestamp.optional().meta({ description: 'Default: the server clock' }),
    timezone: Timezone.optional(),
    profile_features: ProfileFeatures.optional().meta({ description: 'Required on /reward/egreedy/v2' }),
    event_id: EventId.optional().meta({
      description: 'Makes the reward idempotent per (event_id, candidate id)',
    }),
  })
  .meta({
    id: 'RewardByValue',
    description: 'A reward for a candidate described by its fields (no event needed)',
  });

export type RewardByValue = z.infer<typeof RewardByValue>;

/**
 * Either form (CONTRACT §4). A body with `candidate` is by value; `candidate` is refused in the by-event
 * form, so exactly one form matches (the document's `oneOf`). A failing body is reported with the form
 * it came closest to (zod-validator.ts).
 */
export const RewardRequest = z.xor([RewardByEvent, RewardByValue]).meta({
  id: 'RewardRequest',
  example: {
    user_id: 'u1',
    reward: 1,
    candidate: { id: 't1', priority: 3, created_at: '2026-11-20T08:00:00Z', due_at: null },
    now: '2026-11-24T09:30:00Z',
    timezone: 'Europe/Berlin',
    profile_features: [0.2, 0, 1, 0.5, 0.1],
  },
});
export type RewardRequest = z.infer<typeof RewardRequest>;

export const RewardResponse = z
  .object({ user_id: z.string(), policy: PolicyName, applied: z.boolean(), n_updates: z.number().int() })
  .meta({ id: 'RewardResponse' });
export type RewardResponse = z.infer<typeof RewardResponse>;
