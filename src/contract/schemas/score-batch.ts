import { z } from 'zod';
import { ErrorBody, PolicyName } from './common.js';
import { EXAMPLE_SCORE_WITH_PROFILE, ScoreResponse } from './score.js';

/** Most requests in one /score/batch body (CONTRACT §4). */
export const SCORE_BATCH_MAX_REQUESTS = 10_000;

/**
 * Items are checked one by one against the policy's score body (score.ts), so that one invalid item
 * gets its own error result instead of failing the batch.
 */
export const ScoreBatchRequest = z
  .object({
    policy: PolicyName,
    requests: z.array(z.unknown()).min(1).max(SCORE_BATCH_MAX_REQUESTS),
  })
  .meta({
    id: 'ScoreBatchRequest',
    example: {
      policy: 'egreedy_v2',
      requests: [EXAMPLE_SCORE_WITH_PROFILE, { ...EXAMPLE_SCORE_WITH_PROFILE, user_id: 'u2' }],
    },
  });
export type ScoreBatchRequest = z.infer<typeof ScoreBatchRequest>;

export const ScoreBatchResult = z.union([ScoreResponse, ErrorBody]);
export type ScoreBatchResult = z.infer<typeof ScoreBatchResult>;

export const ScoreBatchResponse = z
  .object({ results: z.array(ScoreBatchResult) })
  .meta({ id: 'ScoreBatchResponse' });
export type ScoreBatchResponse = z.infer<typeof ScoreBatchResponse>;
