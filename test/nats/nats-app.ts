import type { FastifyInstance } from 'fastify';
import type { Config } from '../../src/config/env.js';
import { logCapture } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/nats-client.js';
import { testApp } from '../helpers/test-app.js';

/** The real app wired to a NATS server, with its log lines kept, once both consumers run. */
export async function natsApp(url: string, env: Partial<Record<keyof Config, string>> = {}) {
  const logs = logCapture();
  const t = await testApp(
    // These tests read the effects of messages from the seed-layout files.
    { STATE_BACKEND: 'file', NATS_URL: url, LOG_LEVEL: 'info', NATS_NAK_DELAY_MS: '50', ...env },
    { logDestination: logs.stream },
  );
  await waitFor('both consumers running', async () => {
    const h = await health(t.app);
    return h.nats.consumers.signals.running && h.nats.consumers.feedback.running;
  });
  return { ...t, logs };
}

export interface HealthBody {
  nats: {
    enabled: boolean;
    consumers: Record<
      'signals' | 'feedback',
      {
        processed: number;
        errors: number;
        last_msg_ts: string | null;
        running?: boolean;
        dead_lettered?: number;
      }
    >;
  };
}

export async function health(app: FastifyInstance): Promise<HealthBody> {
  const res = await app.inject({ method: 'GET', url: '/health' });
  return res.json() as HealthBody;
}
