import { AckPolicy } from '@nats-io/jetstream';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { health, natsApp } from './nats-app.js';

/** The value of one series in /metrics' text (undefined when absent). */
async function metric(app: FastifyInstance, series: string): Promise<number | undefined> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('dead letters that always land, and backlog metrics', () => {
  it('a near-limit message and an unknown policy end in the dead-letter stream at their first delivery', async () => {
    const server = await startNatsServer();
    const { app } = await natsApp(server.url);
    const client = await testClient(server.url);
    const maxPayload = client.nc.info!.max_payload;

    // Invalid (not a reward body) and as large as the server takes: with the dead letter's headers on
    // top it would not fit, so its body is cut and a header says how much was kept.
    const huge = `{"user_id": "u1", "pad": "${'x'.repeat(maxPayload - 200)}"}`;
    expect(huge.length).toBeGreaterThan(maxPayload - 200);
    await client.publish('feedback.reward.linucb_v1', null, { raw: huge });
    const typo = { user_id: 'u1', reward: 1, event_id: 'e1', candidate_id: 't1' };
    await client.publish('feedback.reward.egreedy_v9', typo);

    await waitFor(
      'two dead letters',
      async () => (await client.jsm.streams.info('deadletter')).state.messages === 2,
    );
    const [a, b] = await Promise.all(
      [1, 2].map(async (seq) => (await client.jsm.streams.getMessage('deadletter', { seq }))!),
    );
    const cut = [a!, b!].find((m) => m.subject === 'deadletter.feedback.reward.linucb_v1')!;
    const unknown = [a!, b!].find((m) => m.subject === 'deadletter.feedback.reward.egreedy_v9')!;

    expect(cut.header.get('Oo-Delivery-Count')).toBe('1');
    expect(cut.header.get('Oo-Error')).toMatch(/^validation_error: /);
    const kept = Number(/^kept (\d+) of (\d+) bytes$/.exec(cut.header.get('Oo-Truncated'))?.[1]);
    expect(cut.header.get('Oo-Truncated')).toBe(`kept ${kept} of ${huge.length} bytes`);
    expect(cut.data.length).toBe(kept);
    expect(kept).toBeGreaterThan(maxPayload - 4096);
    expect(Buffer.from(cut.data).toString()).toBe(huge.slice(0, kept));

    expect(unknown.header.get('Oo-Delivery-Count')).toBe('1');
    expect(unknown.header.get('Oo-Error-Kind')).toBe('permanent');
    expect(unknown.header.get('Oo-Error')).toMatch(/^unknown_policy: no policy "egreedy_v9"/);
    expect(unknown.header.has('Oo-Truncated')).toBe(false);
    expect(JSON.parse(unknown.string())).toEqual(typo);

    expect((await health(app)).nats.consumers.feedback).toMatchObject({ errors: 2, dead_lettered: 2 });
    expect(await metric(app, 'bandit_nats_dead_lettered_total{consumer="feedback"}')).toBe(2);
    expect(await metric(app, 'bandit_nats_dead_letter_failures_total{consumer="feedback"}')).toBe(0);
    expect(await metric(app, 'bandit_nats_connected')).toBe(1);
    expect(await metric(app, 'bandit_nats_consumer_running{consumer="signals"}')).toBe(1);
  });

  it('pending, ack-pending and redelivered in /metrics match the consumer info', async () => {
    const server = await startNatsServer();
    const client = await testClient(server.url);
    const durable = 'feature-pipeline-feedback';
    // One message in flight at a time: while the first waits for its redelivery, the others stay pending.
    await client.jsm.streams.add({ name: 'feedback', subjects: ['feedback.>'] });
    await client.jsm.consumers.add('feedback', {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      max_deliver: 5,
      max_ack_pending: 1,
    });
    // A reward for an event this service never scored fails for a passing reason: nak'ed, not dead-lettered.
    await client.publish('feedback.reward.linucb_v1', {
      user_id: 'u1',
      reward: 1,
      event_id: 'not-yet',
      candidate_id: 't1',
    });
    await client.publish('feedback.note', { a: 1 });
    await client.publish('feedback.note', { a: 2 });
    // Its first delivery goes to the test and is nak'ed: the service gets it redelivered.
    const consumer = await client.js.consumers.get('feedback', durable);
    const first = await consumer.next({ expires: 5000 });
    first!.nak();

    // Its nak delay is long: the message stays delivered, unacknowledged and redelivered while we look.
    const { app } = await natsApp(server.url, { NATS_NAK_DELAY_MS: '600000' });
    await waitFor(
      'the redelivery failed',
      async () => (await health(app)).nats.consumers.feedback.errors === 1,
    );
    const info = await client.jsm.consumers.info('feedback', durable);
    expect([info.num_pending, info.num_ack_pending, info.num_redelivered]).toEqual([2, 1, 1]);
    expect(await metric(app, 'bandit_nats_consumer_pending{consumer="feedback"}')).toBe(info.num_pending);
    expect(await metric(app, 'bandit_nats_consumer_ack_pending{consumer="feedback"}')).toBe(
      info.num_ack_pending,
    );
    expect(await metric(app, 'bandit_nats_consumer_redelivered{consumer="feedback"}')).toBe(
      info.num_redelivered,
    );
    const signals = await client.jsm.consumers.info('signals', 'feature-pipeline-signals');
    expect(await metric(app, 'bandit_nats_consumer_pending{consumer="signals"}')).toBe(signals.num_pending);
  });
});
