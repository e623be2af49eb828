import { describe, expect, it } from 'vitest';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { health, natsApp } from './nats-app.js';

describe('JetStream topology', () => {
  it('creates the streams and durable consumers the contract names', async () => {
    const server = await startNatsServer();
    const { app } = await natsApp(server.url, { NATS_DURABLE_PREFIX: 'pipe-x', NATS_MAX_DELIVER: '4' });
    const { jsm } = await testClient(server.url);

    for (const [name, subjects] of [
      ['signals', ['signals.>']],
      ['feedback', ['feedback.>']],
      ['deadletter', ['deadletter.>']],
    ] as const) {
      expect((await jsm.streams.info(name)).config.subjects).toEqual(subjects);
    }
    for (const c of ['signals', 'feedback'] as const) {
      const info = await jsm.consumers.info(c, `pipe-x-${c}`);
      expect(info.config.durable_name).toBe(`pipe-x-${c}`);
      expect(info.config.ack_policy).toBe('explicit');
      expect(info.config.max_deliver).toBe(4);
    }
    const h = await health(app);
    expect(h.nats.enabled).toBe(true);
    expect(h.nats.consumers.signals).toMatchObject({
      processed: 0,
      errors: 0,
      last_msg_ts: null,
      running: true,
    });
    expect(h.nats.consumers.feedback).toMatchObject({
      processed: 0,
      errors: 0,
      last_msg_ts: null,
      running: true,
    });
  });

  it('keeps existing streams (accepted as they are) and brings an existing durable to the configured max_deliver', async () => {
    const server = await startNatsServer();
    const { jsm } = await testClient(server.url);
    await jsm.streams.add({ name: 'signals', subjects: ['signals.>'], max_msgs: 1234 });
    await jsm.streams.add({ name: 'feedback', subjects: ['feedback.>'] });
    await jsm.consumers.add('feedback', {
      durable_name: 'feature-pipeline-feedback',
      ack_policy: 'explicit' as never,
      max_deliver: 9,
    });
    // A count limit could lose messages: used only because NATS_ACCEPT_EXISTING=1 says so.
    const { logs } = await natsApp(server.url, { NATS_MAX_DELIVER: '3', NATS_ACCEPT_EXISTING: '1' });

    expect((await jsm.streams.info('signals')).config.max_msgs).toBe(1234);
    expect((await jsm.consumers.info('feedback', 'feature-pipeline-feedback')).config.max_deliver).toBe(3);
    expect((await jsm.consumers.info('signals', 'feature-pipeline-signals')).config.max_deliver).toBe(3);
    const updated = logs.lines.find((l) => String(l.msg).startsWith('consumer settings updated'));
    expect(updated).toMatchObject({ old: { max_deliver: 9 }, new: { max_deliver: 3 } });
    expect(
      logs.lines.some(
        (l) => l.level === 'warn' && /max_msgs 1234/.test(String(l.msg)) && l.stream === 'signals',
      ),
    ).toBe(true);
  });

  it('restarts the consume loop and re-creates a durable deleted under it', async () => {
    const server = await startNatsServer();
    const { app, logs } = await natsApp(server.url);
    const { jsm, publish } = await testClient(server.url);

    await jsm.consumers.delete('signals', 'feature-pipeline-signals');
    await waitFor('the durable re-created', async () => {
      const info = await jsm.consumers.info('signals', 'feature-pipeline-signals').catch(() => null);
      return info !== null && (await health(app)).nats.consumers.signals.running;
    });
    await publish('signals.task.synced', { user_id: 'u1', ts: '2026-11-24T10:00:00Z', task_count: 2 });
    await waitFor(
      'handled after the restart',
      async () => (await health(app)).nats.consumers.signals.processed === 1,
    );
    expect(
      logs.lines.some(
        (l) => l.msg === 'consume loop ended; restarting' && l.consumer === 'feature-pipeline-signals',
      ),
    ).toBe(true);
    expect(logs.lines.filter((l) => l.msg === 'durable consumer created')).toHaveLength(3);
  });
});
