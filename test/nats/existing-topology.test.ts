import { AckPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { logCapture } from '../helpers/log-capture.js';
import { testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';
import { health, natsApp } from './nats-app.js';

interface Ready {
  ready: boolean;
  reasons?: string[];
}

describe('existing streams and consumers', () => {
  it('a pre-made feedback stream with narrower subjects and a 5 s age is refused with the difference', async () => {
    const server = await startNatsServer();
    const client = await testClient(server.url);
    await client.jsm.streams.add({ name: 'feedback', subjects: ['feedback.reward.>'], max_age: nanos(5000) });
    const logs = logCapture();
    const { app } = await testApp(
      { NATS_URL: server.url, LOG_LEVEL: 'info' },
      { logDestination: logs.stream },
    );

    const reason = await waitFor('the refusal in /ready', async () => {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      return res.statusCode === 503
        ? (res.json() as Ready).reasons?.find((r) =>
            r.startsWith('nats consumer feedback not running: stream'),
          )
        : undefined;
    });
    expect(reason).toContain('stream "feedback" exists with settings that would lose messages');
    expect(reason).toContain('subjects ["feedback.reward.>"] do not cover ["feedback.>"]');
    expect(reason).toContain('max_age 5s is shorter than NATS_STREAM_MAX_AGE_S=604800s');
    expect(reason).toContain('NATS_ACCEPT_EXISTING=1');
    // Said once as an error, not once per retry; the stream is left as its owner made it.
    const lines = logs.lines.filter(
      (l) => l.level === 'error' && String(l.msg).includes('stream "feedback"'),
    );
    expect(lines).toHaveLength(1);
    expect((await client.jsm.streams.info('feedback')).config.max_age).toBe(nanos(5000));
    expect((await health(app)).nats.consumers.feedback.running).toBe(false);
    // The other consumer is fine; it starts on its own, so it may come up after the refusal is seen.
    await waitFor('the signals consumer running', async () =>
      (await health(app)).nats.consumers.signals.running ? true : undefined,
    );
  });

  it('the same stream is used with NATS_ACCEPT_EXISTING=1, the difference logged as a warning', async () => {
    const server = await startNatsServer();
    const client = await testClient(server.url);
    await client.jsm.streams.add({
      name: 'feedback',
      subjects: ['feedback.reward.>'],
      max_age: nanos(60_000),
    });
    const { app, logs } = await natsApp(server.url, { NATS_ACCEPT_EXISTING: '1' });

    const warning = logs.lines.find((l) => l.level === 'warn' && l.stream === 'feedback');
    expect(warning?.msg).toMatch(/subjects .* do not cover .*max_age 60s is shorter.*NATS_ACCEPT_EXISTING=1/);
    const scored = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('acc') });
    await client.publish('feedback.reward.linucb_v1', {
      user_id: 'acc',
      reward: 1,
      event_id: scored.json().event_id,
      candidate_id: CANDIDATES[0]!.id,
    });
    await waitFor(
      'the reward applied',
      async () => (await app.inject({ method: 'GET', url: '/stats/acc' })).json().n_updates === 1,
    );
    expect((await app.inject({ method: 'GET', url: '/ready' })).json()).toEqual({ ready: true });
  });

  it('a durable with another filter is refused and left untouched', async () => {
    const server = await startNatsServer();
    const client = await testClient(server.url);
    await client.jsm.streams.add({ name: 'signals', subjects: ['signals.>'] });
    await client.jsm.consumers.add('signals', {
      durable_name: 'feature-pipeline-signals',
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'signals.tip.>',
      max_deliver: 9,
      ack_wait: nanos(90_000),
    });
    const { app } = await testApp({ NATS_URL: server.url });
    const reason = await waitFor('the refusal in /ready', async () => {
      const body = (await app.inject({ method: 'GET', url: '/ready' })).json() as Ready;
      return body.reasons?.find((r) => r.startsWith('nats consumer signals not running: consumer'));
    });
    expect(reason).toContain('consumer "feature-pipeline-signals" on stream "signals"');
    expect(reason).toContain('filter ["signals.tip.>"] skips part of ["signals.>"]');
    // Refused means untouched.
    expect((await client.jsm.consumers.info('signals', 'feature-pipeline-signals')).config.max_deliver).toBe(
      9,
    );
  });
});
