import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerSettled, testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { CANDIDATES, scoreBody } from '../helpers/test-app.js';
import { health, natsApp } from './nats-app.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = (id = TRACE) => `00-${id}-00f067aa0ba902b7-01`;

describe('JetStream subjects', () => {
  it('signals.task.synced keeps the newest sync in {user}_sync.json; an older ts changes nothing', async () => {
    const server = await startNatsServer();
    const { app, stateDir } = await natsApp(server.url);
    const client = await testClient(server.url);
    const file = join(stateDir, 'u1_sync.json');
    const read = () => JSON.parse(readFileSync(file, 'utf8'));

    await client.publish('signals.task.synced', { user_id: 'u1', ts: '2026-11-24T10:00:00Z', task_count: 5 });
    await waitFor(
      'first sync handled',
      async () => (await health(app)).nats.consumers.signals.processed === 1,
    );
    expect(read()).toEqual({ last_sync_ts: '2026-11-24T10:00:00Z', task_count: 5 });

    // Older (in another offset, still older), then equal: both acked, neither written.
    await client.publish('signals.task.synced', {
      user_id: 'u1',
      ts: '2026-11-24T10:30:00+01:00',
      task_count: 9,
    });
    await client.publish('signals.task.synced', { user_id: 'u1', ts: '2026-11-24T10:00:00Z', task_count: 8 });
    await waitFor(
      'stale syncs handled',
      async () => (await health(app)).nats.consumers.signals.processed === 3,
    );
    expect(read()).toEqual({ last_sync_ts: '2026-11-24T10:00:00Z', task_count: 5 });

    await client.publish('signals.task.synced', {
      user_id: 'u1',
      ts: '2026-11-24T12:00:00+01:00',
      task_count: 0,
    });
    await waitFor(
      'newer sync handled',
      async () => (await health(app)).nats.consumers.signals.processed === 4,
    );
    expect(read()).toEqual({ last_sync_ts: '2026-11-24T12:00:00+01:00', task_count: 0 });

    const h = await health(app);
    expect(h.nats.consumers.signals.errors).toBe(0);
    expect(Date.parse(h.nats.consumers.signals.last_msg_ts!)).toBeGreaterThan(Date.now() - 60_000);
    expect(h.nats.consumers.feedback.last_msg_ts).toBeNull();
    await waitFor('signals consumer settled', () =>
      consumerSettled(client.jsm, 'signals', 'feature-pipeline-signals'),
    );

    // /reset removes the sync document too, and the next sync starts it again.
    await app.inject({ method: 'POST', url: '/reset/u1' });
    await client.publish('signals.task.synced', { user_id: 'u1', ts: '2026-11-24T09:00:00Z', task_count: 1 });
    await waitFor('sync after reset', async () => (await health(app)).nats.consumers.signals.processed === 5);
    expect(read()).toEqual({ last_sync_ts: '2026-11-24T09:00:00Z', task_count: 1 });
  });

  it('feedback.reward.{policy} applies a reward as HTTP does, once per (event_id, candidate)', async () => {
    const server = await startNatsServer();
    const { app, logs } = await natsApp(server.url);
    const client = await testClient(server.url);

    const scored = await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody('u7') });
    const eventId = scored.json().event_id as string;
    const reward = { user_id: 'u7', reward: 1, event_id: eventId, candidate_id: CANDIDATES[1]!.id };

    await client.publish('feedback.reward.egreedy_v1', reward, { traceparent: traceparent() });
    await waitFor('reward handled', async () => (await health(app)).nats.consumers.feedback.processed === 1);
    const stats = async () => (await app.inject({ method: 'GET', url: '/stats/egreedy/u7' })).json();
    const after = await stats();
    expect(after.n_updates).toBe(1);
    expect(after.total_reward).toBe(1);

    // The same reward again (a redelivery, or a publisher's retry), then over HTTP: still one update.
    await client.publish('feedback.reward.egreedy_v1', reward);
    await waitFor(
      'duplicate handled',
      async () => (await health(app)).nats.consumers.feedback.processed === 2,
    );
    const http = await app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward });
    expect(http.json()).toMatchObject({ applied: false, n_updates: 1 });
    expect((await stats()).n_updates).toBe(1);

    // The effect equals the HTTP path's: a twin user rewarded over HTTP ends with the same θ.
    const twin = await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody('u8') });
    await app.inject({
      method: 'POST',
      url: '/reward/egreedy',
      payload: { ...reward, user_id: 'u8', event_id: twin.json().event_id },
    });
    const twinStats = (await app.inject({ method: 'GET', url: '/stats/egreedy/u8' })).json();
    expect((await stats()).theta).toEqual(twinStats.theta);

    const handled = logs.lines.filter(
      (l) => l.msg === 'message handled' && l.subject === 'feedback.reward.egreedy_v1',
    );
    expect(handled.map((l) => l.outcome)).toEqual(['applied', 'duplicate']);
    expect(handled[0]!.trace_id).toBe(TRACE);
    expect(handled[1]!.trace_id).toBeUndefined();
    await waitFor('feedback consumer settled', () =>
      consumerSettled(client.jsm, 'feedback', 'feature-pipeline-feedback'),
    );
  });

  it('rewards each policy by its subject, by value too, and a /score event only on its own policy', async () => {
    const server = await startNatsServer();
    const { app } = await natsApp(server.url, { NATS_MAX_DELIVER: '2' });
    const client = await testClient(server.url);
    const profile = [0.2, 0, 1, 0.5, 0.1];

    const lin = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody('p1') })).json();
    await client.publish('feedback.reward.linucb_v1', {
      user_id: 'p1',
      reward: 0.5,
      event_id: lin.event_id,
      candidate_id: 't3',
    });
    await client.publish('feedback.reward.egreedy_v2', {
      user_id: 'p1',
      reward: -0.25,
      event_id: 'outside-event-1',
      candidate: CANDIDATES[0],
      now: '2026-11-24T09:30:00Z',
      profile_features: profile,
    });
    await waitFor('both handled', async () => (await health(app)).nats.consumers.feedback.processed === 2);
    const get = async (url: string) => (await app.inject({ method: 'GET', url })).json();
    expect((await get('/stats/p1')).n_updates).toBe(1);
    expect((await get('/stats/egreedy/v2/p1')).total_reward).toBe(-0.25);
    expect((await get('/stats/egreedy/p1')).n_updates).toBe(0);

    // A LinUCB /score event is not an ε-greedy event: not found, retried, then dead-lettered.
    await client.publish('feedback.reward.egreedy_v1', {
      user_id: 'p1',
      reward: 1,
      event_id: lin.event_id,
      candidate_id: 't1',
    });
    await waitFor(
      'dead-lettered',
      async () => (await health(app)).nats.consumers.feedback.dead_lettered === 1,
    );
    expect((await health(app)).nats.consumers.feedback).toMatchObject({ processed: 2, errors: 2 });
    expect((await get('/stats/egreedy/p1')).n_updates).toBe(0);
    expect((await get('/stats/p1')).n_updates).toBe(1);
  });

  it('logs tip feedback and acks subjects without a handler', async () => {
    const server = await startNatsServer();
    const { app, logs } = await natsApp(server.url);
    const client = await testClient(server.url);
    const other = 'aaaabbbbccccddddeeeeffff00001111';

    await client.publish(
      'signals.tip.feedback',
      { user_id: 'u1', tip_id: 'tip-9', feedback: 'snoozed', ts: '2026-11-24T10:00:00Z' },
      { traceparent: traceparent() },
    );
    await client.publish('signals.calendar.changed', { anything: true }, { traceparent: traceparent(other) });
    await client.publish('feedback.survey.answered', 'not even an object');
    await waitFor('all handled', async () => {
      const h = (await health(app)).nats.consumers;
      return h.signals.processed === 2 && h.feedback.processed === 1;
    });
    const lines = logs.lines;
    expect(lines.find((l) => l.msg === 'tip feedback')).toMatchObject({
      user: 'u1',
      tip_id: 'tip-9',
      feedback: 'snoozed',
      trace_id: TRACE,
    });
    expect(lines.find((l) => l.msg === 'signal without a handler; acked')).toMatchObject({
      subject: 'signals.calendar.changed',
      trace_id: other,
    });
    expect(lines.find((l) => l.msg === 'feedback without a handler; acked')?.subject).toBe(
      'feedback.survey.answered',
    );
    await waitFor('signals consumer settled', () =>
      consumerSettled(client.jsm, 'signals', 'feature-pipeline-signals'),
    );
    await waitFor('feedback consumer settled', () =>
      consumerSettled(client.jsm, 'feedback', 'feature-pipeline-feedback'),
    );
    // Nothing in the state directory: tip feedback changes no state.
    const h = await health(app);
    expect(h.nats.consumers.signals.errors + h.nats.consumers.feedback.errors).toBe(0);
  });
});
