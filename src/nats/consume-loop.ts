import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { backoff, delay } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { type TraceStore, traceIdOf } from '../observability/trace-context.js';
import { type ConsumerCounters, newCounters } from './consumer-health.js';
import { publishDeadLetter } from './dead-letter.js';
import { errorText, isPermanent, type MessageHandler } from './message-handler.js';
import {
  CONSUMED_STREAMS,
  type ConsumerName,
  type DurableSettings,
  durableNameOf,
  ensureTopology,
} from './topology.js';

export interface ConsumeLoopOptions {
  readonly consumer: ConsumerName;
  readonly settings: DurableSettings;
  readonly handler: MessageHandler;
  readonly nakDelayMs: number;
  /** Messages pulled ahead; small, so that they are handled well within `ack_wait`. */
  readonly prefetch: number;
  /** Messages handled at once (rewards of different users persist in parallel). */
  readonly concurrency: number;
  readonly traces: TraceStore;
  readonly log: Logger;
  readonly clock: () => number;
}

/** Waits before re-creating a consumer, by failures in a row; nats.js jitters each by ±50%. */
const RESTART_BACKOFF = backoff([100, 250, 500, 1000, 2000]);

/**
 * One durable pull consumer, consumed until stopped. The client's `consume()` iterator can end on its
 * own (a long server outage, a deleted consumer); the loop then re-creates what is missing and consumes
 * again, so the consumer keeps running for as long as the connection does.
 */
export class ConsumeLoop {
  readonly counters: ConsumerCounters = newCounters();
  private messages: ConsumerMessages | null = null;
  private stopping = false;
  private readonly inflight = new Set<Promise<void>>();
  private readonly durable: string;
  private readonly stream: string;
  private wake: (() => void) | null = null;
  private js: JetStreamClient | null = null;
  private maxPayload: () => number = () => 1024 * 1024;

  constructor(private readonly opts: ConsumeLoopOptions) {
    this.durable = durableNameOf(opts.settings.prefix, opts.consumer);
    this.stream = CONSUMED_STREAMS[opts.consumer].stream;
  }

  /**
   * Resolves when stopped (or when `isClosed` says the connection is gone for good). `maxPayload` is the
   * server's payload limit, which a dead letter must fit.
   */
  async run(
    js: JetStreamClient,
    jsm: JetStreamManager,
    isClosed: () => boolean,
    maxPayload: () => number,
  ): Promise<void> {
    const { log } = this.opts;
    this.js = js;
    this.maxPayload = maxPayload;
    let failures = 0;
    let lastProblem = '';
    while (!this.stopping && !isClosed()) {
      let started = false;
      let reason: unknown;
      try {
        await ensureTopology(jsm, this.opts.consumer, this.opts.settings, log);
        const consumer = await js.consumers.get(this.stream, this.durable);
        // Abort rather than wait on a deleted consumer or stream: the next round re-creates them.
        const messages = await consumer.consume({
          max_messages: this.opts.prefetch,
          abort_on_missing_resource: true,
        });
        this.messages = messages;
        if (this.stopping) await messages.close();
        started = true;
        this.counters.running = true;
        this.counters.problem = null;
        lastProblem = '';
        failures = 0;
        log.info({ consumer: this.durable, stream: this.stream }, 'consumer running');
        // On stop the iterator still yields what was delivered before it closed; those are handled too.
        for await (const m of messages) await this.handOff(m);
        reason = await messages.closed();
      } catch (err) {
        reason = err;
        if (!started) {
          failures++;
          const problem = err instanceof Error ? err.message : String(err);
          this.counters.problem = problem;
          // A refused stream (TopologyDriftError) or a missing permission repeats every round: said once.
          if (problem !== lastProblem)
            log.error({ consumer: this.durable, err }, `consumer not started: ${problem}`);
          lastProblem = problem;
        }
      } finally {
        this.counters.running = false;
        this.messages = null;
      }
      if (!this.stopping && !isClosed()) {
        if (started) log.warn({ consumer: this.durable, err: reason }, 'consume loop ended; restarting');
        else log.debug({ consumer: this.durable, err: reason, failures }, 'consumer not running; retrying');
      }
      await this.drainInflight();
      if (!this.stopping && !isClosed()) await this.pause(RESTART_BACKOFF.backoff(failures));
    }
    await this.drainInflight();
  }

  /**
   * Stops pulling and finishes what was delivered: the pull subscription is drained (unsubscribed, then
   * a round trip, so that every message the server sent before it saw the unsubscribe still arrives),
   * each of those is handled and acked, and only then does the iterator end. Resolves when every
   * message has its verdict; the connection stays usable for the acks until the caller drains it.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const messages = this.messages;
    if (messages) {
      // The client has no public drain for one consumer: drain its subscription, when it is there.
      const sub = (messages as unknown as { sub?: { drain?: () => Promise<void> } }).sub;
      await sub?.drain?.().catch(() => undefined);
      await messages.close().catch(() => undefined);
    }
    await this.drainInflight();
  }

  /** A wait that stop() cuts short. */
  private async pause(ms: number): Promise<void> {
    const wait = delay(ms);
    this.wake = wait.cancel;
    await wait;
    this.wake = null;
  }

  private async drainInflight(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Runs the message beside others, waiting first while `concurrency` are in flight. */
  private async handOff(m: JsMsg): Promise<void> {
    while (this.inflight.size >= this.opts.concurrency) await Promise.race(this.inflight);
    const p = this.process(m)
      .catch((err: unknown) => {
        // Acking on a connection that closed under us: the server redelivers, and effects are idempotent.
        this.opts.log.error({ err, subject: m.subject, stream_seq: m.seq }, 'message left without a verdict');
      })
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  private process(m: JsMsg): Promise<void> {
    const traceparent = m.headers?.get('traceparent') || undefined;
    const traceId = traceIdOf(traceparent);
    return this.opts.traces.run(traceId ? { trace_id: traceId } : {}, async () => {
      const { log, clock } = this.opts;
      const c = this.counters;
      c.last_msg_ts = new Date(clock()).toISOString();
      const deliveries = m.info.deliveryCount;
      const at = { subject: m.subject, stream_seq: m.seq, delivery: deliveries, consumer: this.durable };
      let outcome: string;
      try {
        outcome = await this.opts.handler(m.subject, m.data);
      } catch (err) {
        c.errors++;
        await this.fail(m, err, traceparent, at);
        return;
      }
      // Only now, with the effect persisted: a lost ack means a redelivery, which every effect tolerates.
      m.ack();
      c.processed++;
      log.info({ ...at, outcome }, 'message handled');
    });
  }

  private async fail(
    m: JsMsg,
    err: unknown,
    traceparent: string | undefined,
    at: Record<string, unknown>,
  ): Promise<void> {
    const { log, settings } = this.opts;
    const error = errorText(err);
    const permanent = isPermanent(err);
    if (!permanent && m.info.deliveryCount < settings.maxDeliver) {
      m.nak(this.opts.nakDelayMs);
      log.warn({ ...at, err, max_deliver: settings.maxDeliver }, 'message failed; nak for redelivery');
      return;
    }
    try {
      if (!this.js) throw new Error('no JetStream client');
      await publishDeadLetter(
        this.js,
        {
          subject: m.subject,
          stream: m.info.stream,
          streamSeq: m.seq,
          consumer: this.durable,
          deliveries: m.info.deliveryCount,
          error,
          data: m.data,
          traceparent,
          permanent,
        },
        this.maxPayload(),
      );
    } catch (dlErr) {
      this.counters.dead_letter_failures++;
      // Not terminated: the server's max-deliveries advisory names it, and the backstop dead-letters it.
      try {
        m.nak();
      } catch {
        // Gone with the connection: the server times the delivery out, with the same advisory.
      }
      log.error(
        { ...at, err, dead_letter_err: dlErr },
        'message failed at its last delivery; dead letter not stored',
      );
      return;
    }
    // nats-server 2.9 ignores term's reason; the dead letter's headers carry it.
    m.term();
    this.counters.dead_lettered++;
    log.error(
      { ...at, err, permanent },
      permanent
        ? 'message failed for good; dead-lettered at once'
        : 'message failed at its last delivery; dead-lettered',
    );
  }
}
