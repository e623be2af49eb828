import { describe, expect, it } from 'vitest';
import { consumerSettled, testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { health, natsApp } from './nats-app.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('dead-lettering', () => {
  it('retries a failing message NATS_MAX_DELIVER times and dead-letters invalid payloads at once, with headers', async () => {
    const server = await startNatsServer();
    const { app, logs } = await natsApp(server.url, { NATS_MAX_DELIVER: '3' });
    const client = await testClient(server.url);

    const badSync = '{"user_id": "u1", "ts": "yesterday", "task_count": -1}';
    await client.publish('signals.task.synced', null, { raw: badSync, traceparent: TRACEPARENT });
    await client.publish('feedback.reward.linucb_v1', null, { raw: 'not json' });
    const unknownEvent = { user_id: 'u1', reward: 1, event_id: 'never-scored', candidate_id: 't1' };
    await client.publish('feedback.reward.linucb_v1', unknownEvent);
    // A good message behind the poison ones is still handled.
    await client.publish('signals.task.synced', { user_id: 'u2', ts: '2026-11-24T10:00:00Z', task_count: 3 });

    await waitFor(
      'three dead letters',
      async () => (await client.jsm.streams.info('deadletter')).state.messages === 3,
    );
    const letters = await Promise.all(
      [1, 2, 3].map(async (seq) => (await client.jsm.streams.getMessage('deadletter', { seq }))!),
    );
    const bySubject = new Map(letters.map((m) => [m.subject, [] as typeof letters]));
    for (const m of letters) bySubject.get(m.subject)!.push(m);

    const sync = bySubject.get('deadletter.signals.task.synced')![0]!;
    expect(sync.header.get('Oo-Original-Subject')).toBe('signals.task.synced');
    // A payload that fails validation can never succeed: dead-lettered at its first delivery.
    expect(sync.header.get('Oo-Delivery-Count')).toBe('1');
    expect(sync.header.get('Oo-Error-Kind')).toBe('permanent');
    expect(sync.header.get('Oo-Original-Stream')).toBe('signals');
    expect(sync.header.get('Oo-Consumer')).toBe('feature-pipeline-signals');
    expect(sync.header.get('Oo-Error')).toMatch(/ts: .*task_count: /);
    expect(sync.header.get('traceparent')).toBe(TRACEPARENT);
    expect(sync.string()).toBe(badSync);

    const rewards = bySubject.get('deadletter.feedback.reward.linucb_v1')!;
    const byBody = new Map(rewards.map((m) => [m.string(), m]));
    const unknown = byBody.get(JSON.stringify(unknownEvent))!;
    expect(unknown.header.get('Oo-Delivery-Count')).toBe('3');
    expect(unknown.header.get('Oo-Error-Kind')).toBe('exhausted');
    expect(unknown.header.get('Oo-Error')).toMatch(/never-scored is unknown/);
    const notJson = byBody.get('not json')!;
    expect(notJson.header.get('Oo-Delivery-Count')).toBe('1');
    expect(notJson.header.get('Oo-Error')).toMatch(/^validation_error: .*not UTF-8 JSON/);
    expect(rewards.map((m) => m.string()).sort()).toEqual([JSON.stringify(unknownEvent), 'not json'].sort());

    const h = (await health(app)).nats.consumers;
    expect(h.signals).toMatchObject({ processed: 1, errors: 1, dead_lettered: 1 });
    expect(h.feedback).toMatchObject({ processed: 0, errors: 4, dead_lettered: 2 });
    // Terminated: nothing pending, nothing waiting for an ack, nothing redelivered later.
    await waitFor('signals consumer settled', () =>
      consumerSettled(client.jsm, 'signals', 'feature-pipeline-signals'),
    );
    await waitFor('feedback consumer settled', () =>
      consumerSettled(client.jsm, 'feedback', 'feature-pipeline-feedback'),
    );
    const failed = logs.lines.filter((l) => l.msg === 'message failed; nak for redelivery');
    expect(failed).toHaveLength(2);
    const atOnce = logs.lines.filter((l) => l.msg === 'message failed for good; dead-lettered at once');
    expect(atOnce).toHaveLength(2);
    expect(atOnce.find((l) => l.subject === 'signals.task.synced')?.trace_id).toBe(TRACEPARENT.split('-')[1]);
  });

  it('when the dead letter cannot be stored, the max-deliveries advisory still dead-letters the message', async () => {
    const server = await startNatsServer();
    const { app, logs } = await natsApp(server.url, { NATS_MAX_DELIVER: '2' });
    const client = await testClient(server.url);
    await client.jsm.streams.delete('deadletter');

    await client.publish('signals.task.synced', null, { raw: '{"user_id": "u1"}' });
    await waitFor('the backstop dead letter', async () => {
      const info = await client.jsm.streams.info('deadletter');
      return info.state.messages === 1;
    });
    const letter = (await client.jsm.streams.getMessage('deadletter', { seq: 1 }))!;
    expect(letter.subject).toBe('deadletter.signals.task.synced');
    expect(letter.header.get('Oo-Error')).toMatch(/max deliveries reached/);
    expect(letter.header.get('Oo-Delivery-Count')).toBe('2');
    expect(letter.string()).toBe('{"user_id": "u1"}');
    expect(
      logs.lines.some((l) => l.msg === 'message failed at its last delivery; dead letter not stored'),
    ).toBe(true);
    // Both deliveries tried to dead-letter it (an invalid payload is permanent) and failed; the backstop stored it.
    await waitFor(
      'the backstop counted',
      async () => (await health(app)).nats.consumers.signals.dead_lettered === 1,
    );
    expect((await health(app)).nats.consumers.signals).toMatchObject({ errors: 2, dead_letter_failures: 2 });
  });
});
