import {
  errorBodyOf,
  issuesToDetail,
  type ScoreBatchResult,
  ScoreRequest,
  ScoreRequestWithProfile,
} from '../contract/mod.js';
import type { PolicySpec } from '../policies/mod.js';
import type { BanditService } from './bandit-service.js';

/**
 * Scores many score bodies with one policy, results in input order. An item that fails validation (or
 * whose scoring fails) gets the contract's error object; the rest are scored. All items go to the
 * scorer at once, so the micro-batcher packs them into as few kernel calls as SCORE_BATCH_MAX allows.
 * Each result is a recorded decision with its own event id, rewardable like a /score result.
 * `locPrefix` places an item's validation issues, e.g. ["body","requests",i].
 */
export async function scoreBatch(
  bandit: BanditService,
  spec: PolicySpec,
  items: readonly unknown[],
  locPrefix: (i: number) => (string | number)[],
): Promise<ScoreBatchResult[]> {
  const schema = spec.needsProfile ? ScoreRequestWithProfile : ScoreRequest;
  const scoreOne = async (item: unknown, i: number): Promise<ScoreBatchResult> => {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      return {
        error: 'validation_error',
        message: 'request validation failed',
        detail: issuesToDetail(parsed.error.issues, locPrefix(i)),
      };
    }
    try {
      return await bandit.score(spec, parsed.data);
    } catch (err) {
      return errorBodyOf(err);
    }
  };
  // Items are validated and handed to the scorer a slice at a time, with a turn of the event loop in
  // between: a 10,000-item batch never holds the loop for its whole validation (other requests,
  // /health, NATS acks get their turn). Slices are still far larger than the micro-batcher's batches.
  const pending: Promise<ScoreBatchResult>[] = [];
  for (let start = 0; start < items.length; start += BATCH_SLICE) {
    if (start > 0) await yieldToLoop();
    const end = Math.min(items.length, start + BATCH_SLICE);
    for (let i = start; i < end; i++) pending.push(scoreOne(items[i], i));
  }
  return Promise.all(pending);
}

/** Items validated between two turns of the event loop (about 10 ms of zod work for K = 87). */
const BATCH_SLICE = 256;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
