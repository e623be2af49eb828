import { describe, expect, it } from 'vitest';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { scoreBody } from '../helpers/test-app.js';
import { health, natsApp } from './nats-app.js';

const PROFILE = { profile_features: [0.2, 0, 1, 0.5, 0.1] };

describe('/recommend with NATS', () => {
  it('a reward over feedback.reward.* updates the active policy and every shadow once, also when sent twice', async () => {
    const server = await startNatsServer();
    const { app } = await natsApp(server.url);
    const client = await testClient(server.url);

    const rec = (
      await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody('u5', PROFILE) })
    ).json();
    const reward = { user_id: 'u5', reward: 1, event_id: rec.event_id, candidate_id: rec.chosen.id };
    await client.publish('feedback.reward.linucb_v1', reward);
    await client.publish('feedback.reward.egreedy_v2', reward);
    await waitFor(
      'both rewards handled',
      async () => (await health(app)).nats.consumers.feedback.processed === 2,
    );

    for (const url of ['/stats/u5', '/stats/egreedy/u5', '/stats/egreedy/v2/u5']) {
      const stats = (await app.inject({ method: 'GET', url })).json();
      expect(stats.n_updates, url).toBe(1);
      expect(stats.total_reward, url).toBe(1);
    }
  });

  it('publishes every decision and joined reward to the decisions stream, once each', async () => {
    const server = await startNatsServer();
    const { app } = await natsApp(server.url);
    const client = await testClient(server.url);

    const events: string[] = [];
    for (let i = 0; i < 5; i++) {
      const rec = (
        await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody(`u${i}`) })
      ).json();
      events.push(rec.event_id);
      const reward = { user_id: `u${i}`, reward: 0.5, event_id: rec.event_id, candidate_id: rec.chosen.id };
      for (let n = 0; n < 2; n++)
        await app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward });
    }
    const info = await waitFor('decisions stream filled', async () => {
      const s = await client.jsm.streams.info('decisions').catch(() => null);
      return s && s.state.messages >= 10 ? s : null;
    });
    expect(info.state.messages).toBe(10);

    const seen: { type: string; event_id: string }[] = [];
    const consumer = await client.js.consumers.get('decisions');
    const batch = await consumer.fetch({ max_messages: 10, expires: 2000 });
    for await (const m of batch) {
      seen.push(m.json());
      if (seen.length === 10) break;
    }
    expect(seen.filter((r) => r.type === 'decision').map((r) => r.event_id)).toEqual(events);
    expect(
      seen
        .filter((r) => r.type === 'reward')
        .map((r) => r.event_id)
        .sort(),
    ).toEqual([...events].sort());
  });
});
