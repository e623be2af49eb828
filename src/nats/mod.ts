/**
 * JetStream adapters (CONTRACT §6). Import this module dynamically, and only when NATS_URL is set: it
 * loads the NATS client, which a service without NATS must not load.
 */
export { connectUntilStopped } from './connection.js';
export { ConsumeLoop, type ConsumeLoopOptions } from './consume-loop.js';
export type { ConsumerCounters } from './consumer-health.js';
export {
  DEADLETTER_HEADERS,
  type DeadLetter,
  deadLetterSubjectOf,
  publishDeadLetter,
} from './dead-letter.js';
export { messageIdOf, NatsDecisionSink } from './decisions-sink.js';
export { DECISIONS_STREAM, type DecisionsPublisher, openDecisionsStream } from './decisions-stream.js';
export { feedbackHandler } from './feedback-handler.js';
export type { MessageHandler } from './message-handler.js';
export {
  type NatsDeps,
  type NatsHealth,
  type NatsOptions,
  type NatsRuntime,
  startNats,
} from './nats-runtime.js';
export { PayloadError, parsePayload } from './payload.js';
export { FeedbackReward, SyncDocument, TaskSynced, TipFeedback } from './schemas.js';
export { signalsHandler } from './signals-handler.js';
export {
  CONSUMED_STREAMS,
  type ConsumerName,
  DEADLETTER_STREAM,
  type DurableSettings,
  durableConfig,
  durableNameOf,
  ensureDurable,
  ensureStream,
  ensureTopology,
} from './topology.js';
