import { describe, expect, it } from 'vitest';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { scoreBody } from '../helpers/test-app.js';
import { health, natsApp } from '../nats/nats-app.js';

describe('replicas with NATS_URL and STATE_BACKEND=nats-kv', () => {
  it('share the feedback consumer: each reward message is handled by one replica, applied once', async () => {
    const server = await startNatsServer();
    const env = { STATE_BACKEND: 'nats-kv' } as const; // NATS_KV_URL empty: the buckets live on NATS_URL
    const a = await natsApp(server.url, env);
    const b = await natsApp(server.url, env);
    const client = await testClient(server.url);

    const N = 40;
    for (let i = 0; i < N; i++) {
      const user = `c${i % 8}`;
      const scorer = i % 2 === 0 ? a.app : b.app;
      const scored = (
        await scorer.inject({ method: 'POST', url: '/score', payload: scoreBody(user) })
      ).json();
      await client.publish('feedback.reward.linucb_v1', {
        user_id: user,
        reward: 1,
        event_id: scored.event_id,
        candidate_id: 't1',
      });
    }
    const processed = async () =>
      (await health(a.app)).nats.consumers.feedback.processed +
      (await health(b.app)).nats.consumers.feedback.processed;
    await waitFor('every reward message handled', async () => (await processed()) >= N);
    expect(await processed()).toBe(N);

    let total = 0;
    for (let u = 0; u < 8; u++) {
      const onA = (await a.app.inject({ method: 'GET', url: `/stats/c${u}` })).json();
      total += onA.n_updates;
    }
    expect(total).toBe(N);
    const health0 = (await a.app.inject({ method: 'GET', url: '/health' })).json();
    expect(health0.state).toEqual({ backend: 'nats-kv', reachable: true });
  });
});
