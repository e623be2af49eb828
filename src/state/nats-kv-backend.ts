import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { NatsSecurity } from '../config/nats-connect-settings.js';
import { describeConnectFailure, natsClientOptions } from '../nats/connect-options.js';
import { KvScoredEventStore } from './kv-scored-event-store.js';
import { NatsKvStateStore } from './nats-kv-store.js';
import { ensureRewardStream, NatsRewardLog } from './nats-reward-log.js';

export interface NatsKvBackendOptions {
  /** Comma-separated server URLs; the client also learns the cluster's other nodes from them. */
  readonly servers: string;
  /** Credentials and TLS, the same as the consumers' (CONTRACT §6); none when absent. */
  readonly security?: NatsSecurity & { readonly serversVariable?: string };
  readonly replicas: number;
  readonly stateBucket: string;
  readonly decisionsBucket: string;
  /** The rewards stream, the state's source of truth (replicated like the state bucket). */
  readonly rewardsStream: string;
  readonly rewardsMaxAgeMs: number;
  readonly windowMs: number;
  readonly timeoutMs: number;
  readonly maxCachedDecisions: number;
  readonly clock: () => number;
  readonly log: Logger;
}

const STATE_HISTORY = 8;

export interface NatsKvBackend {
  readonly store: NatsKvStateStore;
  readonly decisions: KvScoredEventStore;
  readonly rewardLog: NatsRewardLog;
}

/**
 * Connects and opens (creating when missing) the state bucket and the decisions bucket. Loaded by
 * app.ts with a dynamic import only when STATE_BACKEND=nats-kv, so the file backend loads no NATS code.
 * Reads go to the stream leader (allow_direct off): a replica then reads what another one has just
 * acknowledged, which a lagging follower answering a direct get would not guarantee.
 */
export async function openNatsKvBackend(opts: NatsKvBackendOptions): Promise<NatsKvBackend> {
  const client = natsClientOptions({ ...opts.security, servers: opts.servers });
  const nc = await connect({
    ...client.options,
    name: 'oo-bandit-scorer',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: opts.timeoutMs,
  }).catch((err: unknown) => {
    // Say what failed (authentication, TLS, reachability) and which variables set it up.
    throw new Error(`nats-kv state store: ${describeConnectFailure(err, client)}`, { cause: err });
  });
  const log = opts.log.child({ component: 'nats-kv' });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect')
        log.warn({ status: s.type }, 'nats-kv connection');
    }
  })();
  try {
    const js = jetstream(nc, { timeout: opts.timeoutMs });
    const jsm = await jetstreamManager(nc, { timeout: opts.timeoutMs });
    const kvm = new Kvm(js);
    const state = await kvm.create(opts.stateBucket, {
      replicas: opts.replicas,
      // Earlier revisions let a writer find the writes it replaced (see NatsKvStateStore.overwritten).
      history: STATE_HISTORY,
      allow_direct: false,
      timeout: opts.timeoutMs,
    });
    const decisions = await kvm.create(opts.decisionsBucket, {
      replicas: opts.replicas,
      history: 1,
      ttl: opts.windowMs,
      allow_direct: false,
      timeout: opts.timeoutMs,
    });
    await ensureRewardStream(jsm, {
      stream: opts.rewardsStream,
      replicas: opts.replicas,
      maxAgeMs: opts.rewardsMaxAgeMs,
    });
    return {
      rewardLog: new NatsRewardLog({ js, jsm, stream: opts.rewardsStream, log }),
      store: new NatsKvStateStore({
        nc,
        kv: state,
        jsm,
        bucket: opts.stateBucket,
        log,
        probeTimeoutMs: Math.min(opts.timeoutMs, 2000),
        onClose: () => nc.drain(),
      }),
      decisions: new KvScoredEventStore({
        kv: decisions,
        windowMs: opts.windowMs,
        maxCached: opts.maxCachedDecisions,
        clock: opts.clock,
      }),
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
