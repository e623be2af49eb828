import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/** Header names on a dead letter; the body is the original payload, byte for byte. */
export const DEADLETTER_HEADERS = {
  subject: 'Oo-Original-Subject',
  stream: 'Oo-Original-Stream',
  seq: 'Oo-Original-Seq',
  consumer: 'Oo-Consumer',
  deliveries: 'Oo-Delivery-Count',
  error: 'Oo-Error',
  /** `permanent` (dead-lettered at its first failure) or `exhausted` (after max_deliver attempts). */
  kind: 'Oo-Error-Kind',
  /** Present when the body was cut to fit the server's payload limit: "kept K of N bytes". */
  truncated: 'Oo-Truncated',
} as const;

/** Room kept for what the client adds to the headers (Nats-Msg-Id) and the header block's framing. */
const HEADER_SLACK = 512;

export interface DeadLetter {
  readonly subject: string;
  readonly stream: string;
  readonly streamSeq: number;
  readonly consumer: string;
  readonly deliveries: number;
  readonly error: string;
  readonly data: Uint8Array;
  readonly traceparent?: string | undefined;
  readonly permanent?: boolean;
}

export function deadLetterSubjectOf(subject: string): string {
  return `deadletter.${subject}`;
}

/** Header values are one line; an error message may not be. */
function headerValue(s: string, max = 1024): string {
  const line = s.replace(/[\r\n]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function headerBytes(h: MsgHdrs): number {
  let n = 0;
  for (const [k, vs] of h) for (const v of vs) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
  return n;
}

/**
 * Publishes to `deadletter.{subject}` and resolves once the stream has stored it. The message id is the
 * original's stream position, so the consume loop and the max-deliveries backstop can both report one
 * message and the stream keeps it once. The dead letter always fits `maxPayload` (the server's limit
 * counts headers and body together): a body too large is cut, and a header says how much was kept.
 */
export function publishDeadLetter(js: JetStreamClient, dl: DeadLetter, maxPayload: number): Promise<PubAck> {
  const h = headers();
  h.set(DEADLETTER_HEADERS.subject, dl.subject);
  h.set(DEADLETTER_HEADERS.stream, dl.stream);
  h.set(DEADLETTER_HEADERS.seq, String(dl.streamSeq));
  h.set(DEADLETTER_HEADERS.consumer, dl.consumer);
  h.set(DEADLETTER_HEADERS.deliveries, String(dl.deliveries));
  h.set(DEADLETTER_HEADERS.error, headerValue(dl.error) || 'unknown error');
  h.set(DEADLETTER_HEADERS.kind, dl.permanent ? 'permanent' : 'exhausted');
  if (dl.traceparent) h.set('traceparent', dl.traceparent);
  let body = dl.data;
  const room = maxPayload - headerBytes(h) - HEADER_SLACK;
  if (body.length > room) {
    const kept = Math.max(0, room - 64);
    h.set(DEADLETTER_HEADERS.truncated, `kept ${kept} of ${body.length} bytes`);
    body = body.subarray(0, kept);
  }
  return js.publish(deadLetterSubjectOf(dl.subject), body, {
    headers: h,
    msgID: `${dl.stream}:${dl.consumer}:${dl.streamSeq}`,
  });
}
