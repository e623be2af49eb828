import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { publishDeadLetter } from './dead-letter.js';
import { DEADLETTER_STREAM, ensureStream } from './topology.js';
import type { StreamPolicy } from './topology-drift.js';

/** How the backstop reaches the server and reports, per durable, what it dead-lettered or failed to. */
export interface BackstopContext {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly streams: StreamPolicy;
  readonly maxPayload: () => number;
  readonly log: Logger;
  readonly outcome: (durable: string, stored: boolean) => void;
}

interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * The server announces a message that ran out of deliveries without a verdict: its last delivery
 * crashed the process, or the dead letter could not be stored then. Dead-letter it from the stream, so
 * that nothing is dropped silently; the message id makes a second report of the same message a no-op.
 */
export function watchMaxDeliveries(
  nc: NatsConnection,
  ctx: BackstopContext,
  durables: readonly { stream: string; durable: string }[],
): Subscription[] {
  return durables.map(({ stream, durable }) =>
    nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`, {
      callback: (err, msg) => {
        if (err) return;
        let adv: MaxDeliveriesAdvisory;
        try {
          adv = msg.json<MaxDeliveriesAdvisory>();
        } catch {
          return;
        }
        void deadLetterFromStream(ctx, adv);
      },
    }),
  );
}

async function deadLetterFromStream(ctx: BackstopContext, adv: MaxDeliveriesAdvisory): Promise<void> {
  const { js, jsm, log } = ctx;
  const at = {
    stream: adv.stream,
    consumer: adv.consumer,
    stream_seq: adv.stream_seq,
    delivery: adv.deliveries,
  };
  try {
    const stored = await jsm.streams.getMessage(adv.stream, { seq: adv.stream_seq });
    if (!stored) throw new Error('message no longer in its stream');
    await ensureStream(jsm, DEADLETTER_STREAM, ctx.streams, log);
    const ack = await publishDeadLetter(
      js,
      {
        subject: stored.subject,
        stream: adv.stream,
        streamSeq: adv.stream_seq,
        consumer: adv.consumer,
        deliveries: adv.deliveries,
        error:
          'max deliveries reached without a verdict (the process stopped, its ack was lost, or its dead letter failed)',
        data: stored.data,
        traceparent: stored.header.get('traceparent') || undefined,
      },
      ctx.maxPayload(),
    );
    if (!ack.duplicate) {
      ctx.outcome(adv.consumer, true);
      log.error({ ...at, subject: stored.subject }, 'max deliveries reached; dead-lettered from the stream');
    }
  } catch (err) {
    ctx.outcome(adv.consumer, false);
    log.error({ ...at, err }, 'max deliveries reached and the message could not be dead-lettered');
  }
}
