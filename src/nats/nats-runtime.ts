import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { TraceStore } from '../observability/trace-context.js';
import type { BanditService } from '../scoring/bandit-service.js';
import type { StateStore } from '../state/state-store.js';
import { connectUntilStopped } from './connection.js';
import { ConsumeLoop } from './consume-loop.js';
import type { ConsumerCounters } from './consumer-health.js';
import { feedbackHandler } from './feedback-handler.js';
import { watchMaxDeliveries } from './max-deliveries-backstop.js';
import { signalsHandler } from './signals-handler.js';
import { CONSUMED_STREAMS, type ConsumerName, durableNameOf } from './topology.js';

export interface NatsOptions {
  readonly url: string;
  readonly durablePrefix: string;
  readonly maxDeliver: number;
  readonly ackWaitMs: number;
  readonly nakDelayMs: number;
  readonly prefetch?: number;
  readonly concurrency?: number;
}

export interface NatsDeps {
  readonly bandit: BanditService;
  readonly store: StateStore;
  readonly traces: TraceStore;
  readonly log: Logger;
  readonly clock: () => number;
}

export interface NatsHealth {
  readonly enabled: true;
  readonly connected: boolean;
  readonly consumers: Record<ConsumerName, ConsumerCounters>;
}

export interface NatsRuntime {
  health(): NatsHealth;
  /** The live connection (null before the first connect), for other publishers such as the decision log. */
  connection(): NatsConnection | null;
  /** Stops pulling, waits for messages in hand, drains the connection. */
  close(): Promise<void>;
}

/**
 * Starts both consumers in the background and returns at once: the HTTP service does not wait for NATS,
 * and /health tells whether the consumers run. If the client ever closes for good (it should not, as
 * it reconnects forever), a fresh connection is made.
 */
export function startNats(opts: NatsOptions, deps: NatsDeps): NatsRuntime {
  const log = deps.log.child({ component: 'nats' });
  const settings = { prefix: opts.durablePrefix, maxDeliver: opts.maxDeliver, ackWaitMs: opts.ackWaitMs };
  const common = {
    settings,
    nakDelayMs: opts.nakDelayMs,
    concurrency: opts.concurrency ?? 8,
    // Enough pulled ahead to keep every handler busy, few enough to be handled long before ack_wait.
    prefetch: opts.prefetch ?? 2 * (opts.concurrency ?? 8),
    traces: deps.traces,
    log,
    clock: deps.clock,
  };
  const loops: Record<ConsumerName, ConsumeLoop> = {
    signals: new ConsumeLoop({
      ...common,
      consumer: 'signals',
      handler: signalsHandler({ store: deps.store, log }),
    }),
    feedback: new ConsumeLoop({
      ...common,
      consumer: 'feedback',
      handler: feedbackHandler({ bandit: deps.bandit, log }),
    }),
  };
  let stopping = false;
  let nc: NatsConnection | null = null;
  let linkUp = false;

  const supervise = async () => {
    while (!stopping) {
      const conn = await connectUntilStopped(
        opts.url,
        log,
        () => stopping,
        (up) => {
          linkUp = up;
        },
      );
      if (!conn) return;
      if (stopping) {
        await conn.close().catch(() => undefined);
        return;
      }
      nc = conn;
      const js = jetstream(conn);
      const subs: Subscription[] = [];
      try {
        const jsm = await jetstreamManager(conn, { checkAPI: false });
        subs.push(
          ...watchMaxDeliveries(
            conn,
            js,
            jsm,
            (Object.keys(loops) as ConsumerName[]).map((c) => ({
              stream: CONSUMED_STREAMS[c].stream,
              durable: durableNameOf(opts.durablePrefix, c),
            })),
            log,
          ),
        );
        await Promise.all(Object.values(loops).map((l) => l.run(js, jsm, () => conn.isClosed())));
      } catch (err) {
        log.error({ err }, 'nats consumers failed');
      }
      for (const s of subs) {
        try {
          s.unsubscribe();
        } catch {
          // Already gone with the connection.
        }
      }
      if (!stopping) {
        log.error('nats connection closed; connecting again');
        await conn.close().catch(() => undefined);
      }
    }
  };
  const supervisor = supervise();

  // A consumer whose connection is down is not running, even though its loop waits to resume.
  const shown = (c: ConsumerCounters): ConsumerCounters => ({ ...c, running: c.running && linkUp });
  return {
    health: () => ({
      enabled: true,
      connected: linkUp,
      consumers: { signals: shown(loops.signals.counters), feedback: shown(loops.feedback.counters) },
    }),
    connection: () => nc,
    close: async () => {
      stopping = true;
      await Promise.all(Object.values(loops).map((l) => l.stop()));
      const conn = nc;
      if (conn && !conn.isClosed())
        await conn.drain().catch((err: unknown) => log.warn({ err }, 'nats drain failed'));
      await supervisor;
      log.info('nats consumers stopped');
    },
  };
}
