import { z } from 'zod';
import { PolicyName } from './common.js';
import { ScoreResponse } from './score.js';

export const ShadowChoice = z.object({
  policy: PolicyName,
  chosen_id: z.string().meta({ description: "The shadow's greedy choice (it draws no random number)" }),
  score: z.number(),
  agrees: z.boolean().meta({ description: 'Whether it chose what the active policy chose' }),
});

export const RecommendResponse = ScoreResponse.extend({ shadows: z.array(ShadowChoice) }).meta({
  id: 'RecommendResponse',
});
export type RecommendResponse = z.infer<typeof RecommendResponse>;
