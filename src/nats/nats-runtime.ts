import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { NatsConnectSettings } from '../config/nats-connect-settings.js';
import type { TraceStore } from '../observability/trace-context.js';
import type { BanditService } from '../scoring/bandit-service.js';
import type { StateStore } from '../state/state-store.js';
import { natsClientOptions } from './connect-options.js';
import { connectUntilStopped } from './connection.js';
import { ConsumeLoop } from './consume-loop.js';
import type { ConsumerCounters } from './consumer-health.js';
import { feedbackHandler } from './feedback-handler.js';
import { watchMaxDeliveries } from './max-deliveries-backstop.js';
import { signalsHandler } from './signals-handler.js';
import { CONSUMED_STREAMS, type ConsumerName, durableNameOf } from './topology.js';
import type { StreamPolicy } from './topology-drift.js';

const PROBE_TIMEOUT_MS = 2000;

export interface NatsOptions {
  readonly connect: NatsConnectSettings;
  readonly streams: StreamPolicy;
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
  /** Why the connection is down or was refused; null when connected. */
  readonly problem: string | null;
  readonly consumers: Record<ConsumerName, ConsumerCounters>;
}

/** A durable's backlog, from the server's consumer info. */
export interface ConsumerLag {
  readonly pending: number;
  readonly ack_pending: number;
  readonly redelivered: number;
}

export interface NatsRuntime {
  health(): NatsHealth;
  /** What keeps the consumers from doing their job, for /ready; empty when nothing does. */
  notReady(): Promise<string[]>;
  /** Each durable's pending, ack-pending and redelivered counts as the server has them (null: unknown). */
  lag(): Promise<Record<ConsumerName, ConsumerLag | null>>;
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
  // Reads the credential and certificate files now: one that is missing stops the start, named.
  const client = natsClientOptions(opts.connect);
  const settings = {
    prefix: opts.durablePrefix,
    maxDeliver: opts.maxDeliver,
    ackWaitMs: opts.ackWaitMs,
    streams: opts.streams,
  };
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
  let linkProblem: string | null = null;
  let manager: JetStreamManager | null = null;

  const supervise = async () => {
    while (!stopping) {
      const conn = await connectUntilStopped(client, log, () => stopping, {
        up: (up) => {
          linkUp = up;
        },
        problem: (reason) => {
          linkProblem = reason;
        },
      });
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
        // Its own short timeout: a probe of /ready or a scrape must not hang on a stream without a leader.
        manager = await jetstreamManager(conn, { checkAPI: false, timeout: PROBE_TIMEOUT_MS });
        const maxPayload = () => conn.info?.max_payload ?? 1024 * 1024;
        const byDurable = new Map(
          (Object.keys(loops) as ConsumerName[]).map((c) => [durableNameOf(opts.durablePrefix, c), loops[c]]),
        );
        subs.push(
          ...watchMaxDeliveries(
            conn,
            {
              js,
              jsm,
              streams: opts.streams,
              maxPayload,
              log,
              outcome: (durable, stored) => {
                const c = byDurable.get(durable)?.counters;
                if (c && stored) c.dead_lettered++;
                else if (c) c.dead_letter_failures++;
              },
            },
            (Object.keys(loops) as ConsumerName[]).map((c) => ({
              stream: CONSUMED_STREAMS[c].stream,
              durable: durableNameOf(opts.durablePrefix, c),
            })),
          ),
        );
        await Promise.all(Object.values(loops).map((l) => l.run(js, jsm, () => conn.isClosed(), maxPayload)));
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
      manager = null;
      if (!stopping) {
        log.error('nats connection closed; connecting again');
        await conn.close().catch(() => undefined);
      }
    }
  };
  const supervisor = supervise();

  // A consumer whose connection is down is not running, even though its loop waits to resume.
  const shown = (c: ConsumerCounters): ConsumerCounters => ({ ...c, running: c.running && linkUp });
  const probe = async (c: ConsumerName): Promise<ConsumerLag | Error | null> => {
    const jsm = manager;
    if (!jsm || !linkUp) return null;
    try {
      const info = await jsm.consumers.info(CONSUMED_STREAMS[c].stream, durableNameOf(opts.durablePrefix, c));
      return {
        pending: info.num_pending,
        ack_pending: info.num_ack_pending,
        redelivered: info.num_redelivered,
      };
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  const lagOf = async (c: ConsumerName): Promise<ConsumerLag | null> => {
    const r = await probe(c);
    return r instanceof Error ? null : r;
  };
  return {
    health: () => ({
      enabled: true,
      connected: linkUp,
      problem: linkUp ? null : linkProblem,
      consumers: { signals: shown(loops.signals.counters), feedback: shown(loops.feedback.counters) },
    }),
    notReady: async () => {
      const reasons: string[] = [];
      if (!linkUp) reasons.push(`nats not connected: ${linkProblem ?? 'connecting'}`);
      for (const name of Object.keys(loops) as ConsumerName[]) {
        const loop = loops[name];
        if (loop.counters.running && linkUp) {
          // A consumer whose stream lost its leader (a killed node holding an R=1 stream) still looks
          // running from here: ask the server.
          const r = await probe(name);
          if (r instanceof Error)
            reasons.push(`nats consumer ${name} not answering on the server: ${r.message}`);
          continue;
        }
        const why = loop.counters.problem ?? (linkUp ? 'starting' : 'no connection');
        reasons.push(`nats consumer ${name} not running: ${why}`);
      }
      return reasons;
    },
    lag: async () => {
      const [signals, feedback] = await Promise.all([lagOf('signals'), lagOf('feedback')]);
      return { signals, feedback };
    },
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
