import { z } from 'zod';
import { FEEDBACK_KINDS } from '../../agents/mod.js';
import { Timestamp, Timezone, UserId } from './common.js';

export const MAX_HISTORY_EVENTS = 10_000;

export const AgentIdParams = z.object({
  agent_id: z.string().min(1).max(64).meta({ example: 'time_of_day' }),
});

export const FeedbackEventBody = z.object({ ts: Timestamp, kind: z.enum(FEEDBACK_KINDS) });

export const AgentInferRequest = z
  .object({
    user_id: UserId,
    history: z.array(FeedbackEventBody).max(MAX_HISTORY_EVENTS),
    agent_prefs: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({
        description: "The user's preferences; each agent reads its own keys",
        example: { quiet_start: '22:00', quiet_end: '07:00' },
      }),
    timezone: Timezone.optional(),
    now: Timestamp.optional(),
  })
  .meta({
    id: 'AgentInferRequest',
    example: {
      user_id: 'u1',
      history: [
        { ts: '2026-11-20T09:10:00Z', kind: 'accepted' },
        { ts: '2026-11-21T09:40:00Z', kind: 'done' },
        { ts: '2026-11-22T10:05:00Z', kind: 'dismissed' },
      ],
      agent_prefs: { quiet_start: '22:00', quiet_end: '07:00' },
      timezone: 'Europe/Berlin',
      now: '2026-11-24T09:30:00Z',
    },
  });
export type AgentInferRequest = z.infer<typeof AgentInferRequest>;

export const AgentInferResponse = z
  .object({
    agent_id: z.string(),
    agent_version: z.string(),
    status: z.enum(['ok', 'cold_start', 'fallback']),
    inferred: z.record(z.string(), z.unknown()),
    n_events: z.number().int(),
    n_used: z.number().int().meta({ description: 'Events counted against min_history' }),
  })
  .meta({ id: 'AgentInferResponse' });

export const AgentList = z
  .object({
    agents: z.array(
      z.object({
        agent_id: z.string(),
        agent_version: z.string(),
        inferred_params: z.array(z.string()),
        min_history: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'AgentList' });
