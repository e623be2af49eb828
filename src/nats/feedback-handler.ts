import type { Logger } from 'pino';
import { isPolicyName, POLICIES, POLICY_NAMES } from '../policies/mod.js';
import type { BanditService } from '../scoring/bandit-service.js';
import { type MessageHandler, PermanentMessageError } from './message-handler.js';
import { parsePayload } from './payload.js';
import { FeedbackReward } from './schemas.js';

const REWARD = /^feedback\.reward\.(.+)$/;

/**
 * `feedback.>`: `feedback.reward.{policy}` goes through BanditService.reward, the HTTP path, so the
 * same (event_id, candidate) is applied at most once however often it is delivered.
 */
export function feedbackHandler(deps: { bandit: BanditService; log: Logger }): MessageHandler {
  const { bandit, log } = deps;
  return async (subject, data) => {
    const policy = REWARD.exec(subject)?.[1];
    if (policy === undefined) {
      log.info({ subject, bytes: data.length }, 'feedback without a handler; acked');
      return 'ignored';
    }
    // A reward is never dropped: one for a policy this service does not know (a typo in the publisher,
    // a policy not deployed yet) goes to the dead-letter stream, where it can be replayed.
    if (!isPolicyName(policy))
      throw new PermanentMessageError(
        'unknown_policy',
        `no policy "${policy}" (known: ${POLICY_NAMES.join(', ')})`,
      );
    const req = parsePayload(FeedbackReward, data);
    const res = await bandit.reward(POLICIES[policy], req);
    return res.applied ? 'applied' : 'duplicate';
  };
}
