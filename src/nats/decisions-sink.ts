import { delay, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { DecisionLogSink, LogRecord } from '../evaluation/mod.js';
import { type DecisionsPublisher, openDecisionsStream } from './decisions-stream.js';
import type { StreamPolicy } from './topology-drift.js';

export interface NatsDecisionSinkOptions {
  /** Records held while NATS is unreachable; past it the oldest are dropped, counted and logged. */
  readonly maxBacklog: number;
  /** How long close() keeps publishing what is left. */
  readonly closeTimeoutMs: number;
  readonly retryMs?: number;
  /** Replicas, age limit and drift checks of the `decisions` stream. */
  readonly streams: StreamPolicy;
}

/** The stream keeps one copy of a record whatever the retries: its id names the record. */
export function messageIdOf(r: LogRecord): string {
  return r.type === 'decision' ? `decision:${r.event_id}` : `reward:${r.event_id}:${r.candidate_id}`;
}

/**
 * Publishes the decision log to the `decisions` stream, so that a fleet's logs land in one place. The
 * file log stays the durable record that answers wait for; this sink only queues, so a slow or absent
 * NATS never slows a response. It publishes in order, retries while the connection is down, and says so
 * in the log when it has to drop anything.
 */
export class NatsDecisionSink implements DecisionLogSink {
  private readonly backlog: LogRecord[] = [];
  private publisher: { nc: NatsConnection; pub: DecisionsPublisher } | null = null;
  private pumping: Promise<void> | null = null;
  private closed = false;
  private dropped = 0;
  published = 0;

  constructor(
    private readonly connection: () => NatsConnection | null,
    private readonly log: Logger,
    private readonly opts: NatsDecisionSinkOptions,
  ) {}

  async append(record: LogRecord): Promise<void> {
    if (this.closed) {
      this.log.warn(
        { event_id: record.event_id, type: record.type },
        'decision not published: shutting down (it is in the file log)',
      );
      return;
    }
    this.backlog.push(record);
    if (this.backlog.length > this.opts.maxBacklog) {
      this.backlog.shift();
      if (this.dropped++ % 1000 === 0) {
        this.log.warn(
          { dropped: this.dropped },
          'decisions stream backlog full: oldest records dropped (they are in the file log)',
        );
      }
    }
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null;
    });
  }

  get pending(): number {
    return this.backlog.length;
  }

  private async pump(): Promise<void> {
    while (this.backlog.length > 0) {
      try {
        const pub = await this.publisherFor();
        if (!pub) throw new Error('not connected');
        const record = this.backlog[0]!;
        await pub.publish(record.type, record, messageIdOf(record));
        this.backlog.shift();
        this.published++;
      } catch (err) {
        if (this.closed && this.backlog.length === 0) return;
        this.publisher = null;
        this.log.debug({ err, pending: this.backlog.length }, 'decisions stream publish failed; retrying');
        await delay(this.opts.retryMs ?? 500);
        if (this.closed && this.deadlinePassed()) return;
      }
    }
  }

  private closeDeadline = 0;
  private deadlinePassed(): boolean {
    return Date.now() > this.closeDeadline;
  }

  private async publisherFor(): Promise<DecisionsPublisher | null> {
    const nc = this.connection();
    if (!nc || nc.isClosed()) return null;
    if (this.publisher?.nc !== nc)
      this.publisher = { nc, pub: await openDecisionsStream(nc, this.opts.streams, this.log) };
    return this.publisher.pub;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closeDeadline = Date.now() + this.opts.closeTimeoutMs;
    const timeout = new Promise<void>((r) => setTimeout(r, this.opts.closeTimeoutMs).unref());
    await Promise.race([this.pumping ?? Promise.resolve(), timeout]);
    if (this.backlog.length > 0) {
      this.log.warn(
        { unpublished: this.backlog.length },
        'decisions stream: records left unpublished at shutdown (they are in the file log)',
      );
    }
  }
}
