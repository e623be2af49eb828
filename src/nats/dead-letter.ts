import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';

/** Header names on a dead letter; the body is the original payload, byte for byte. */
export const DEADLETTER_HEADERS = {
  subject: 'Oo-Original-Subject',
  stream: 'Oo-Original-Stream',
  seq: 'Oo-Original-Seq',
  consumer: 'Oo-Consumer',
  deliveries: 'Oo-Delivery-Count',
  error: 'Oo-Error',
} as const;

export interface DeadLetter {
  readonly subject: string;
  readonly stream: string;
  readonly streamSeq: number;
  readonly consumer: string;
  readonly deliveries: number;
  readonly error: string;
  readonly data: Uint8Array;
  readonly traceparent?: string | undefined;
}

export function deadLetterSubjectOf(subject: string): string {
  return `deadletter.${subject}`;
}

/** Header values are one line; an error message may not be. */
function headerValue(s: string, max = 1024): string {
  const line = s.replace(/[\r\n]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Publishes to `deadletter.{subject}` and resolves once the stream has stored it. The message id is the
 * original's stream position, so the consume loop and the max-deliveries backstop can both report one
 * message and the stream keeps it once.
 */
export function publishDeadLetter(js: JetStreamClient, dl: DeadLetter): Promise<PubAck> {
  const h = headers();
  h.set(DEADLETTER_HEADERS.subject, dl.subject);
  h.set(DEADLETTER_HEADERS.stream, dl.stream);
  h.set(DEADLETTER_HEADERS.seq, String(dl.streamSeq));
  h.set(DEADLETTER_HEADERS.consumer, dl.consumer);
  h.set(DEADLETTER_HEADERS.deliveries, String(dl.deliveries));
  h.set(DEADLETTER_HEADERS.error, headerValue(dl.error) || 'unknown error');
  if (dl.traceparent) h.set('traceparent', dl.traceparent);
  return js.publish(deadLetterSubjectOf(dl.subject), dl.data, {
    headers: h,
    msgID: `${dl.stream}:${dl.consumer}:${dl.streamSeq}`,
  });
}
