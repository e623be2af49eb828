import { describe, expect, it } from 'vitest';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { health, natsApp } from '../nats/nats-app.js';

describe('consumer counters in /metrics', () => {
  it('follow the JetStream consumers: handled messages and failed deliveries', async () => {
    const server = await startNatsServer();
    const { app } = await natsApp(server.url, { NATS_MAX_DELIVER: '2' });
    const client = await testClient(server.url);
    const count = async (consumer: string, outcome: string) => {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const m = new RegExp(
        `^bandit_consumer_messages_total\\{consumer="${consumer}",outcome="${outcome}"\\} (\\S+)$`,
        'm',
      ).exec(text);
      return m ? Number(m[1]) : 0;
    };
    await client.publish('signals.task.synced', { user_id: 'u1', ts: '2026-11-24T10:00:00Z', task_count: 5 });
    await client.publish('signals.task.synced', { user_id: 'u2', ts: '2026-11-24T10:00:00Z', task_count: 1 });
    await waitFor('two handled', async () => (await health(app)).nats.consumers.signals.processed === 2);
    expect(await count('signals', 'processed')).toBe(2);
    // A payload that fails validation: each delivery counts as an error.
    await client.publish('feedback.reward.egreedy_v1', { user_id: 'u1' });
    await waitFor('failed deliveries', async () => (await health(app)).nats.consumers.feedback.errors >= 1);
    const h = await health(app);
    expect(await count('feedback', 'error')).toBe(h.nats.consumers.feedback.errors);
    // Scraping twice does not count twice.
    expect(await count('signals', 'processed')).toBe(2);
  });
});
