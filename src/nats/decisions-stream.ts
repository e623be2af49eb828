import { jetstream, jetstreamManager, type PubAck } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ensureStream } from './topology.js';
import type { StreamPolicy } from './topology-drift.js';

export const DECISIONS_STREAM = { stream: 'decisions', subjects: ['decisions.>'] } as const;

/** One subject token: `decisions.{kind}` must stay a two-token subject that `decisions.>` matches. */
const KIND = /^[A-Za-z0-9_-]+$/;

export interface DecisionsPublisher {
  /**
   * Publishes `value` as JSON to `decisions.{kind}` and resolves once the stream stored it. With `msgId`
   * the stream drops a repeat within its duplicate window (a retried publish stays one message).
   */
  publish(kind: string, value: unknown, msgId?: string): Promise<PubAck>;
}

/** Ensures the `decisions` stream (subjects `decisions.>`) exists, then publishes to it. */
export async function openDecisionsStream(
  nc: NatsConnection,
  streams: StreamPolicy,
  log: Logger,
): Promise<DecisionsPublisher> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  await ensureStream(jsm, DECISIONS_STREAM, streams, log);
  const js = jetstream(nc);
  return {
    publish(kind, value, msgId) {
      if (!KIND.test(kind))
        return Promise.reject(new RangeError(`invalid decision kind ${JSON.stringify(kind)}`));
      const body = JSON.stringify(value);
      if (body === undefined) return Promise.reject(new TypeError('value is not JSON-serializable'));
      return js.publish(`decisions.${kind}`, body, msgId === undefined ? undefined : { msgID: msgId });
    },
  };
}
