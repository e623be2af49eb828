import { describe, expect, it } from 'vitest';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsCluster } from '../helpers/nats-server.js';
import { CANDIDATES, scoreBody } from '../helpers/test-app.js';
import { natsApp } from './nats-app.js';

describe('replicated streams (NATS_STREAM_REPLICAS=3)', () => {
  it('keeps ingesting rewards when the node leading the feedback stream is killed', async () => {
    const cluster = await startNatsCluster(3);
    const { app } = await natsApp(cluster.urls, { NATS_STREAM_REPLICAS: '3', NATS_STREAM_MAX_AGE_S: '3600' });
    const client = await testClient(cluster.urls, { servers: cluster.urls.split(',') });
    for (const name of ['signals', 'feedback', 'deadletter']) {
      const info = await client.jsm.streams.info(name);
      expect(info.config.num_replicas).toBe(3);
      expect(info.config.max_age).toBe(3600 * 1e9);
    }

    const users = Array.from({ length: 20 }, (_, i) => `rep-${i}`);
    const rewards: { user_id: string; reward: number; event_id: string; candidate_id: string }[] = [];
    for (const user of users) {
      const scored = await app.inject({ method: 'POST', url: '/score', payload: scoreBody(user) });
      rewards.push({
        user_id: user,
        reward: 1,
        event_id: scored.json().event_id,
        candidate_id: CANDIDATES[2]!.id,
      });
    }
    const applied = async (subset: typeof rewards) => {
      for (const r of subset) {
        const stats = await app.inject({ method: 'GET', url: `/stats/${r.user_id}` });
        if (stats.json().n_updates !== 1) return false;
      }
      return true;
    };
    for (const r of rewards.slice(0, 10)) await client.publish('feedback.reward.linucb_v1', r);
    await waitFor('the first half applied', () => applied(rewards.slice(0, 10)));

    const leader = (await client.jsm.streams.info('feedback')).cluster?.leader;
    const victim = cluster.nodes[Number(/^n(\d)$/.exec(leader ?? '')?.[1]) - 1];
    expect(victim, `leader ${leader}`).toBeDefined();
    await victim!.stop('SIGKILL');

    // Published (and acknowledged by the two nodes left) after the kill: every one is applied.
    for (const r of rewards.slice(10)) await client.publish('feedback.reward.linucb_v1', r);
    await waitFor('the second half applied', () => applied(rewards.slice(10)), 60_000);
    await waitFor(
      'ready again',
      async () => (await app.inject({ method: 'GET', url: '/ready' })).statusCode === 200,
      30_000,
    );
    const newLeader = (await client.jsm.streams.info('feedback')).cluster?.leader;
    expect(newLeader).not.toBe(leader);
  }, 120_000);

  it('with one replica, killing the node that holds the feedback stream makes /ready 503 saying so', async () => {
    const cluster = await startNatsCluster(3);
    const { app } = await natsApp(cluster.urls, { NATS_STREAM_REPLICAS: '1' });
    const client = await testClient(cluster.urls, { servers: cluster.urls.split(',') });
    const leader = (await client.jsm.streams.info('feedback')).cluster?.leader;
    const holder = cluster.nodes[Number(/^n(\d)$/.exec(leader ?? '')?.[1]) - 1];
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    await holder!.stop('SIGKILL');
    const reason = await waitFor(
      'the feedback consumer reported',
      async () => {
        const body = (await app.inject({ method: 'GET', url: '/ready' })).json() as { reasons?: string[] };
        return body.reasons?.find((r) => r.startsWith('nats consumer feedback not answering on the server'));
      },
      30_000,
    );
    expect(reason).toMatch(/^nats consumer feedback not answering on the server: /);
    console.log(`R=1, holder killed: ${reason}`);
  }, 120_000);
});
