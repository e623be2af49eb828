import { z } from 'zod';
import { isKnownTimezone } from '../../features/mod.js';
import { PolicyName, ProfileFeatures, RankedItem, Timestamp, Timezone, UserId } from './common.js';

export const Candidate = z
  .object({
    id: z.string().min(1).max(256),
    priority: z.number().int().min(0).max(4),
    created_at: Timestamp,
    due_at: Timestamp.nullable().optional(),
  })
  .meta({ id: 'Candidate' });
export type Candidate = z.infer<typeof Candidate>;

const Candidates = z
  .array(Candidate)
  .min(1)
  .max(1000)
  .superRefine((cands, ctx) => {
    const seen = new Set<string>();
    cands.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({ code: 'custom', message: `duplicate candidate id "${c.id}"`, path: [i, 'id'] });
      seen.add(c.id);
    });
  });

const EXAMPLE_SCORE = {
  user_id: 'u1',
  now: '2026-11-24T09:30:00Z',
  timezone: 'Europe/Berlin',
  candidates: [
    { id: 't1', priority: 3, created_at: '2026-11-20T08:00:00Z', due_at: null },
    { id: 't2', priority: 1, created_at: '2026-10-01T08:00:00Z', due_at: '2026-11-22T00:00:00Z' },
  ],
};
export const EXAMPLE_SCORE_WITH_PROFILE = { ...EXAMPLE_SCORE, profile_features: [0.2, 0, 1, 0.5, 0.1] };

export const ScoreRequest = z
  .object({
    user_id: UserId,
    now: Timestamp.optional(),
    timezone: Timezone.optional(),
    candidates: Candidates,
    profile_features: ProfileFeatures.optional(),
  })
  .meta({ id: 'ScoreRequest', example: EXAMPLE_SCORE });
export type ScoreRequest = z.infer<typeof ScoreRequest>;

/**
 * The refinements of a score request that JSON Schema cannot state (a known zone, distinct candidate
 * ids), for the compiled validator: true exactly when zod's `.refine`/`.superRefine` checks pass on a
 * body whose shape is already valid.
 */
export function scoreRequestRefinementsHold(body: ScoreRequest): boolean {
  if (body.timezone !== undefined && !isKnownTimezone(body.timezone)) return false;
  const seen = new Set<string>();
  for (const c of body.candidates) {
    if (seen.has(c.id)) return false;
    seen.add(c.id);
  }
  return true;
}

/** `/score/egreedy/v2` needs the caller's profile features. */
export const ScoreRequestWithProfile = ScoreRequest.extend({ profile_features: ProfileFeatures }).meta({
  id: 'ScoreRequestWithProfile',
  example: EXAMPLE_SCORE_WITH_PROFILE,
});

export const ScoreResponse = z
  .object({
    user_id: z.string(),
    policy: PolicyName,
    event_id: z.string(),
    chosen: z.object({ id: z.string(), score: z.number(), propensity: z.number() }),
    explored: z.boolean(),
    ranked: z.array(RankedItem),
  })
  .meta({ id: 'ScoreResponse' });
export type ScoreResponse = z.infer<typeof ScoreResponse>;
