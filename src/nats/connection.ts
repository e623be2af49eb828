import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/**
 * Connects, retrying until it works or `stopped()` says to give up (then null). Once connected the client
 * reconnects forever on its own: `maxReconnectAttempts: -1`.
 */
export async function connectUntilStopped(
  url: string,
  log: Logger,
  stopped: () => boolean,
  onLink: (up: boolean) => void = () => {},
): Promise<NatsConnection | null> {
  for (let attempt = 0; !stopped(); attempt++) {
    try {
      const nc = await connect({
        servers: url.split(',').map((s) => s.trim()),
        name: 'oo-bandit-scorer',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
      log.info({ server: nc.getServer() }, 'nats connected');
      onLink(true);
      void watchStatus(nc, log, onLink);
      return nc;
    } catch (err) {
      if (attempt === 0 || attempt % 20 === 0) log.warn({ err, attempt }, 'nats not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
  return null;
}

async function watchStatus(nc: NatsConnection, log: Logger, onLink: (up: boolean) => void): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect') {
      onLink(false);
      log.warn({ nats: s }, 'nats disconnected; reconnecting');
    } else if (s.type === 'reconnect') {
      onLink(true);
      log.info({ nats: s }, 'nats reconnected');
    } else if (s.type === 'error') log.warn({ nats: s }, 'nats connection error');
  }
  onLink(false);
}
