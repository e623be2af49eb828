import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/** The two streams the service consumes (CONTRACT §6), by the consumer's short name used in /health. */
export const CONSUMED_STREAMS = {
  signals: { stream: 'signals', subjects: ['signals.>'] },
  feedback: { stream: 'feedback', subjects: ['feedback.>'] },
} as const;
export type ConsumerName = keyof typeof CONSUMED_STREAMS;

export const DEADLETTER_STREAM = { stream: 'deadletter', subjects: ['deadletter.>'] } as const;

export interface DurableSettings {
  readonly prefix: string;
  readonly maxDeliver: number;
  readonly ackWaitMs: number;
}

export function durableNameOf(prefix: string, consumer: ConsumerName): string {
  return `${prefix}-${consumer}`;
}

function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/** Creates the stream when the server has none by that name; an existing one is left as its owner set it. */
export async function ensureStream(
  jsm: JetStreamManager,
  def: { stream: string; subjects: readonly string[] },
  log: Logger,
): Promise<void> {
  try {
    await jsm.streams.info(def.stream);
    return;
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw err;
  }
  const config: Partial<StreamConfig> & { name: string } = {
    name: def.stream,
    subjects: [...def.subjects],
    storage: StorageType.File,
  };
  try {
    await jsm.streams.add(config);
    log.info({ stream: def.stream, subjects: def.subjects }, 'stream created');
  } catch (err) {
    // Another replica created it between our look-up and our add: fine, it is there now.
    await jsm.streams.info(def.stream).catch(() => Promise.reject(err));
  }
}

/** The durable consumer's configuration: explicit ack, `max_deliver` = NATS_MAX_DELIVER. */
export function durableConfig(consumer: ConsumerName, s: DurableSettings): Partial<ConsumerConfig> {
  return {
    durable_name: durableNameOf(s.prefix, consumer),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: s.maxDeliver,
    ack_wait: nanos(s.ackWaitMs),
  };
}

/**
 * Creates the durable consumer when missing; an existing one gets this process's `max_deliver` and
 * `ack_wait` (both editable on a live consumer), so that a changed setting takes effect on restart.
 */
export async function ensureDurable(
  jsm: JetStreamManager,
  consumer: ConsumerName,
  s: DurableSettings,
  log: Logger,
): Promise<void> {
  const stream = CONSUMED_STREAMS[consumer].stream;
  const want = durableConfig(consumer, s);
  const name = want.durable_name!;
  try {
    const info = await jsm.consumers.info(stream, name);
    if (info.config.max_deliver !== want.max_deliver || info.config.ack_wait !== want.ack_wait) {
      await jsm.consumers.update(stream, name, { max_deliver: want.max_deliver, ack_wait: want.ack_wait });
      log.info({ stream, consumer: name, max_deliver: want.max_deliver }, 'consumer settings updated');
    }
    return;
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
  }
  await jsm.consumers.add(stream, want);
  log.info({ stream, consumer: name, max_deliver: want.max_deliver }, 'durable consumer created');
}

/** Everything one consumer needs on the server: its stream, the dead-letter stream and its durable. */
export async function ensureTopology(
  jsm: JetStreamManager,
  consumer: ConsumerName,
  s: DurableSettings,
  log: Logger,
): Promise<void> {
  await ensureStream(jsm, CONSUMED_STREAMS[consumer], log);
  await ensureStream(jsm, DEADLETTER_STREAM, log);
  await ensureDurable(jsm, consumer, s, log);
}
