import type { Logger } from 'pino';
import { isPolicyName } from '../policies/policy-names.js';
import { POLICIES } from '../policies/policy-spec.js';
import type { BanditService } from '../scoring/bandit-service.js';
import type { MessageHandler } from './message-handler.js';
import { parsePayload } from './payload.js';
import { FeedbackReward } from './schemas.js';

const REWARD = /^feedback\.reward\.([^.]+)$/;

/**
 * `feedback.>`: `feedback.reward.{policy}` goes through BanditService.reward, the HTTP path, so the
 * same (event_id, candidate) is applied at most once however often it is delivered.
 */
export function feedbackHandler(deps: { bandit: BanditService; log: Logger }): MessageHandler {
  const { bandit, log } = deps;
  return async (subject, data) => {
    const policy = REWARD.exec(subject)?.[1];
    if (policy === undefined || !isPolicyName(policy)) {
      log.info({ subject, bytes: data.length }, 'feedback without a handler; acked');
      return 'ignored';
    }
    const req = parsePayload(FeedbackReward, data);
    const res = await bandit.reward(POLICIES[policy], req);
    return res.applied ? 'applied' : 'duplicate';
  };
}
