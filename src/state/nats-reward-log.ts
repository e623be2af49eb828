import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type MsgRequest,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../errors/app-errors.js';
import type { PolicyName } from '../policies/mod.js';
import { encodeKeyToken } from './kv-key.js';
import type { AppendedReward, LoggedReward, RewardLog } from './reward-log.js';

export interface NatsRewardLogOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The stream's name; its subjects are `{stream}.{policy}.{encoded user}`. */
  readonly stream: string;
  readonly log: Logger;
}

/**
 * Long enough to cover a client's retries around a node failure (its publish timed out, it tries again)
 * without holding a day of message ids in the server's memory; a repeat after it is skipped by the fold,
 * which remembers applied keys.
 */
const DUPLICATE_WINDOW_NS = 5 * 60 * 1e9;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Creates the rewards stream when missing (replicated like the state bucket). */
export async function ensureRewardStream(
  jsm: JetStreamManager,
  opts: { stream: string; replicas: number; maxAgeMs: number },
): Promise<void> {
  try {
    await jsm.streams.info(opts.stream);
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
  }
  await jsm.streams.add({
    name: opts.stream,
    subjects: [`${opts.stream}.>`],
    num_replicas: opts.replicas,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: opts.maxAgeMs * 1e6,
    duplicate_window: Math.min(DUPLICATE_WINDOW_NS, opts.maxAgeMs * 1e6),
    allow_direct: false,
  });
}

/**
 * The reward log on a JetStream stream. A publish resolves with the stream's ack, which a clustered
 * stream sends once a quorum of its replicas has the message; reads are message gets answered by the
 * stream leader, so they include every acknowledged message. Failures are StoreUnavailableError (503).
 */
export class NatsRewardLog implements RewardLog {
  constructor(private readonly opts: NatsRewardLogOptions) {}

  async append(
    policy: PolicyName,
    user: string,
    reward: Omit<LoggedReward, 'seq'>,
    messageId: string,
  ): Promise<AppendedReward> {
    const body = { x: reward.x, r: reward.reward, k: reward.key, ts: reward.ts };
    try {
      const ack = await this.opts.js.publish(
        this.subject(policy, user),
        encoder.encode(JSON.stringify(body)),
        {
          msgID: messageId,
          expect: { streamName: this.opts.stream },
        },
      );
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      throw new StoreUnavailableError(err);
    }
  }

  async read(
    policy: PolicyName,
    user: string,
    after: number,
    until = Number.POSITIVE_INFINITY,
  ): Promise<LoggedReward[]> {
    const subject = this.subject(policy, user);
    const out: LoggedReward[] = [];
    try {
      for (let seq = after + 1; ; ) {
        const query = { seq, next_by_subj: subject } as unknown as MsgRequest;
        const m = await this.opts.jsm.streams.getMessage(this.opts.stream, query);
        if (!m) return out;
        const r = parseReward(m.data);
        if (r === null) this.opts.log.error({ seq: m.seq, subject }, 'unreadable reward message skipped');
        else out.push({ seq: m.seq, ...r });
        if (m.seq >= until) return out;
        seq = m.seq + 1;
      }
    } catch (err) {
      throw new StoreUnavailableError(err);
    }
  }

  async purge(policy: PolicyName, user: string): Promise<void> {
    try {
      await this.opts.jsm.streams.purge(this.opts.stream, { filter: this.subject(policy, user) });
    } catch (err) {
      throw new StoreUnavailableError(err);
    }
  }

  private subject(policy: PolicyName, user: string): string {
    return `${this.opts.stream}.${policy}.${encodeKeyToken(user)}`;
  }
}

function parseReward(bytes: Uint8Array): Omit<LoggedReward, 'seq'> | null {
  try {
    const v = JSON.parse(decoder.decode(bytes)) as { x?: unknown; r?: unknown; k?: unknown; ts?: unknown };
    if (!Array.isArray(v.x) || !v.x.every((n) => typeof n === 'number')) return null;
    if (typeof v.r !== 'number' || typeof v.ts !== 'string') return null;
    if (v.k !== null && typeof v.k !== 'string') return null;
    return { x: v.x as number[], reward: v.r, key: v.k, ts: v.ts };
  } catch {
    return null;
  }
}
