import type { ConsumerInfo, StreamInfo } from '@nats-io/jetstream';

/** What the service needs of a stream it uses, and what it gives one it creates. */
export interface StreamPolicy {
  readonly replicas: number;
  /** 0: no age limit. */
  readonly maxAgeMs: number;
  /** NATS_ACCEPT_EXISTING: use a stream or consumer whose settings could lose messages. */
  readonly acceptExisting: boolean;
}

/** An existing stream or consumer that would lose messages; refused unless NATS_ACCEPT_EXISTING=1. */
export class TopologyDriftError extends Error {
  override readonly name = 'TopologyDriftError';
  constructor(
    readonly what: string,
    readonly differences: string[],
  ) {
    super(
      `${what} exists with settings that would lose messages: ${differences.join('; ')}; ` +
        'refused (fix it, or set NATS_ACCEPT_EXISTING=1 to use it as it is)',
    );
  }
}

/** Does the subject pattern `outer` match every subject `inner` matches? (`>` and `*` wildcards) */
export function subjectCovers(outer: string, inner: string): boolean {
  const o = outer.split('.');
  const i = inner.split('.');
  for (let k = 0; k < o.length; k++) {
    if (o[k] === '>') return k < i.length;
    if (k >= i.length) return false;
    if (o[k] === '*') {
      if (i[k] === '>') return false;
      continue;
    }
    if (o[k] !== i[k]) return false;
  }
  return o.length === i.length;
}

const seconds = (ns: number) => `${ns / 1e9}s`;

/** Differences of an existing stream that would drop or expire messages the service needs. */
export function streamLosses(info: StreamInfo, subjects: readonly string[], policy: StreamPolicy): string[] {
  const c = info.config;
  const out: string[] = [];
  const have = c.subjects ?? [];
  const missing = subjects.filter((s) => !have.some((h) => subjectCovers(h, s)));
  if (missing.length > 0)
    out.push(`subjects ${JSON.stringify(have)} do not cover ${JSON.stringify(missing)} (other subjects)`);
  const wantNs = policy.maxAgeMs * 1e6;
  if (c.max_age > 0 && (wantNs === 0 || c.max_age < wantNs))
    out.push(
      `max_age ${seconds(c.max_age)} is shorter than NATS_STREAM_MAX_AGE_S=${wantNs === 0 ? '0 (no limit)' : seconds(wantNs)}`,
    );
  if (c.max_msgs > 0) out.push(`max_msgs ${c.max_msgs} (a count limit; the service sets none)`);
  if (c.max_msgs_per_subject > 0)
    out.push(`max_msgs_per_subject ${c.max_msgs_per_subject} (a count limit; the service sets none)`);
  if (c.max_bytes > 0) out.push(`max_bytes ${c.max_bytes} (a size limit; the service sets none)`);
  if (c.retention !== 'limits')
    out.push(`retention "${c.retention}" (messages removed on acknowledgement or interest; wanted "limits")`);
  return out;
}

/** Differences of an existing stream that lose nothing: reported, left as they are. */
export function streamOtherDifferences(info: StreamInfo, policy: StreamPolicy): string[] {
  const c = info.config;
  const out: string[] = [];
  if (c.num_replicas !== policy.replicas)
    out.push(`num_replicas ${c.num_replicas} (NATS_STREAM_REPLICAS=${policy.replicas})`);
  const wantNs = policy.maxAgeMs * 1e6;
  if (wantNs > 0 && (c.max_age === 0 || c.max_age > wantNs))
    out.push(
      `max_age ${c.max_age === 0 ? 'unlimited' : seconds(c.max_age)} (longer than wanted ${seconds(wantNs)})`,
    );
  return out;
}

/** Differences of an existing durable that would lose or skip messages. */
export function consumerLosses(info: ConsumerInfo, streamSubjects: readonly string[]): string[] {
  const c = info.config;
  const out: string[] = [];
  const filters = [...(c.filter_subject ? [c.filter_subject] : []), ...(c.filter_subjects ?? [])];
  if (filters.length > 0 && !streamSubjects.every((s) => filters.some((f) => subjectCovers(f, s))))
    out.push(
      `filter ${JSON.stringify(filters)} skips part of ${JSON.stringify(streamSubjects)} (another filter)`,
    );
  if (c.ack_policy !== 'explicit')
    out.push(
      `ack_policy "${c.ack_policy}" (wanted "explicit": messages would count as handled before they are)`,
    );
  return out;
}
