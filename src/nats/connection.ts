import { backoff, connect, delay, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { classifyConnectError, describeConnectFailure, type NatsClientOptions } from './connect-options.js';

/** What the connection reports: link up or down, and why the last attempt failed (null once fine). */
export interface LinkListener {
  up(up: boolean): void;
  problem(reason: string | null): void;
}

const CONNECT_TIMEOUT_MS = 5000;
/** Waits between connect attempts, doubling to 2 s; nats.js jitters each by ±50% so replicas spread out. */
const CONNECT_BACKOFF = backoff([100, 200, 400, 800, 1600, 2000]);

const noListener: LinkListener = { up: () => {}, problem: () => {} };

/**
 * Connects, retrying until it works or `stopped()` says to give up (then null). Once connected the client
 * reconnects forever on its own: `maxReconnectAttempts: -1`. A failure is an error line that says what
 * failed (authentication, TLS, reachability) and which variables set it up; the same reason goes to
 * the listener, for /ready. It is logged again when it changes, and every 20th attempt.
 */
export async function connectUntilStopped(
  client: NatsClientOptions,
  log: Logger,
  stopped: () => boolean,
  listener: LinkListener = noListener,
): Promise<NatsConnection | null> {
  let lastReason = '';
  for (let attempt = 0; !stopped(); attempt++) {
    try {
      const nc = await connect({
        ...client.options,
        name: 'oo-bandit-scorer',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        // An attempt that hangs (a TLS peer that drops us silently) fails within this, and so does a close.
        timeout: CONNECT_TIMEOUT_MS,
      });
      log.info({ server: nc.getServer(), auth: client.auth, tls: client.tls || 'off' }, 'nats connected');
      listener.problem(null);
      listener.up(true);
      void watchStatus(nc, client, log, listener);
      return nc;
    } catch (err) {
      const reason = describeConnectFailure(err, client);
      listener.problem(reason);
      if (reason !== lastReason || attempt % 20 === 0)
        log.error({ err, attempt, servers: client.servers }, `nats connection failed: ${reason}; retrying`);
      lastReason = reason;
      await delay(CONNECT_BACKOFF.backoff(attempt));
    }
  }
  return null;
}

async function watchStatus(
  nc: NatsConnection,
  client: NatsClientOptions,
  log: Logger,
  listener: LinkListener,
): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      listener.up(false);
      log.warn({ nats: s }, 'nats disconnected; reconnecting');
    } else if (s.type === 'reconnect') {
      listener.problem(null);
      listener.up(true);
      log.info({ nats: s }, 'nats reconnected');
    } else if (s.type === 'error') {
      // A reconnect refused (credentials rotated, a certificate expired) arrives here, not as a throw.
      if (classifyConnectError(s.error) === 'unreachable') {
        log.warn({ nats: s }, 'nats connection error');
        continue;
      }
      const reason = describeConnectFailure(s.error, client);
      listener.problem(reason);
      log.error({ nats: s }, `nats connection error: ${reason}`);
    }
  }
  listener.up(false);
}
