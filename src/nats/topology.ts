import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerInfo,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { millis, nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import {
  consumerLosses,
  type StreamPolicy,
  streamLosses,
  streamOtherDifferences,
  TopologyDriftError,
} from './topology-drift.js';

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
  /** For the streams this consumer needs (its own and the dead-letter stream). */
  readonly streams: StreamPolicy;
}

export function durableNameOf(prefix: string, consumer: ConsumerName): string {
  return `${prefix}-${consumer}`;
}

function isNotFound(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/**
 * Creates the stream when the server has none by that name, with NATS_STREAM_REPLICAS replicas and the
 * NATS_STREAM_MAX_AGE_S age limit. An existing one is checked: settings that would lose messages (other
 * subjects, a shorter age, a count or size limit) throw a TopologyDriftError naming each difference,
 * unless NATS_ACCEPT_EXISTING=1, which logs them and goes on; other differences are logged only.
 */
export async function ensureStream(
  jsm: JetStreamManager,
  def: { stream: string; subjects: readonly string[] },
  policy: StreamPolicy,
  log: Logger,
): Promise<void> {
  let info: StreamInfo | null = null;
  try {
    info = await jsm.streams.info(def.stream);
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.StreamNotFound)) throw err;
  }
  if (info) return checkExistingStream(info, def, policy, log);
  const config: Partial<StreamConfig> & { name: string } = {
    name: def.stream,
    subjects: [...def.subjects],
    storage: StorageType.File,
    num_replicas: policy.replicas,
    max_age: nanos(policy.maxAgeMs),
  };
  try {
    await jsm.streams.add(config);
    log.info(
      {
        stream: def.stream,
        subjects: def.subjects,
        replicas: policy.replicas,
        max_age_s: policy.maxAgeMs / 1000,
      },
      'stream created',
    );
  } catch (err) {
    // Another replica created it between our look-up and our add: fine, it is there now.
    const made = await jsm.streams.info(def.stream).catch(() => Promise.reject(err));
    checkExistingStream(made, def, policy, log);
  }
}

function checkExistingStream(
  info: StreamInfo,
  def: { stream: string; subjects: readonly string[] },
  policy: StreamPolicy,
  log: Logger,
): void {
  const losses = streamLosses(info, def.subjects, policy);
  const other = streamOtherDifferences(info, policy);
  if (other.length > 0)
    log.info({ stream: def.stream, differences: other }, 'existing stream differs; left as it is');
  if (losses.length === 0) return;
  const drift = new TopologyDriftError(`stream "${def.stream}"`, losses);
  if (!policy.acceptExisting) throw drift;
  log.warn(
    { stream: def.stream, differences: losses },
    `stream "${def.stream}" would lose messages (${losses.join('; ')}); used as it is because NATS_ACCEPT_EXISTING=1`,
  );
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
 * Creates the durable consumer when missing. An existing one is checked like a stream (another filter,
 * another ack policy: refused unless NATS_ACCEPT_EXISTING=1), and gets this process's `max_deliver` and
 * `ack_wait`, the settings the service owns, with the old values logged.
 */
export async function ensureDurable(
  jsm: JetStreamManager,
  consumer: ConsumerName,
  s: DurableSettings,
  log: Logger,
): Promise<void> {
  const { stream, subjects } = CONSUMED_STREAMS[consumer];
  const want = durableConfig(consumer, s);
  const name = want.durable_name!;
  let info: ConsumerInfo | null = null;
  try {
    info = await jsm.consumers.info(stream, name);
  } catch (err) {
    if (!isNotFound(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
  }
  if (!info) {
    await jsm.consumers.add(stream, want);
    log.info({ stream, consumer: name, max_deliver: want.max_deliver }, 'durable consumer created');
    return;
  }
  const losses = consumerLosses(info, subjects);
  if (losses.length > 0) {
    const drift = new TopologyDriftError(`consumer "${name}" on stream "${stream}"`, losses);
    if (!s.streams.acceptExisting) throw drift;
    log.warn(
      { stream, consumer: name, differences: losses },
      `consumer "${name}" would lose messages (${losses.join('; ')}); used as it is because NATS_ACCEPT_EXISTING=1`,
    );
  }
  if (info.config.max_deliver !== want.max_deliver || info.config.ack_wait !== want.ack_wait) {
    await jsm.consumers.update(stream, name, { max_deliver: want.max_deliver, ack_wait: want.ack_wait });
    log.info(
      {
        stream,
        consumer: name,
        old: { max_deliver: info.config.max_deliver, ack_wait_ms: millis(info.config.ack_wait ?? 0) },
        new: { max_deliver: want.max_deliver, ack_wait_ms: millis(want.ack_wait!) },
      },
      `consumer settings updated: max_deliver ${info.config.max_deliver} -> ${want.max_deliver}, ack_wait ${millis(info.config.ack_wait ?? 0)} ms -> ${millis(want.ack_wait!)} ms`,
    );
  }
}

/** Everything one consumer needs on the server: its stream, the dead-letter stream and its durable. */
export async function ensureTopology(
  jsm: JetStreamManager,
  consumer: ConsumerName,
  s: DurableSettings,
  log: Logger,
): Promise<void> {
  await ensureStream(jsm, CONSUMED_STREAMS[consumer], s.streams, log);
  await ensureStream(jsm, DEADLETTER_STREAM, s.streams, log);
  await ensureDurable(jsm, consumer, s, log);
}
