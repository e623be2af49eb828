import { z } from 'zod';
import { RewardRequest, Timestamp, UserId } from '../contract/mod.js';

/** `signals.task.synced` (CONTRACT §6). */
export const TaskSynced = z
  .object({ user_id: UserId, ts: Timestamp, task_count: z.number().int().min(0) })
  .meta({ id: 'TaskSyncedSignal' });
export type TaskSynced = z.infer<typeof TaskSynced>;

/** `signals.tip.feedback` (CONTRACT §6): logged only. */
export const TipFeedback = z
  .object({
    user_id: UserId,
    tip_id: z.string().min(1).max(256),
    feedback: z.enum(['accepted', 'dismissed', 'snoozed', 'done']),
    ts: Timestamp,
  })
  .meta({ id: 'TipFeedbackSignal' });
export type TipFeedback = z.infer<typeof TipFeedback>;

/**
 * `feedback.reward.{policy}`: the HTTP /reward body, which here must carry `event_id` so that a redelivery
 * can never apply twice.
 */
export const FeedbackReward = RewardRequest.refine((r) => r.event_id !== undefined, {
  message: 'Field required: a reward over NATS must carry event_id',
  path: ['event_id'],
}).meta({ id: 'FeedbackReward' });
export type FeedbackReward = z.infer<typeof FeedbackReward>;

/** The sync document, `{user}_sync.json` (CONTRACT §5). */
export const SyncDocument = z.object({ last_sync_ts: z.string(), task_count: z.number() });
export type SyncDocument = z.infer<typeof SyncDocument>;
