import { describe, expect, it } from 'vitest';
import { configWith } from '../../src/config/env.js';
import { openDecisionsStream } from '../../src/nats/mod.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTraceStore } from '../../src/observability/trace-context.js';
import { testClient } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';

const STREAMS = { replicas: 1, maxAgeMs: 3_600_000, acceptExisting: false };
const log = () => createLogger({ level: 'silent', traces: createTraceStore() });

describe('decisions stream publisher', () => {
  it('creates the decisions stream when missing and publishes JSON to decisions.{kind}', async () => {
    const server = await startNatsServer();
    const client = await testClient(server.url);
    const pub = await openDecisionsStream(client.nc, STREAMS, log());

    expect((await client.jsm.streams.info('decisions')).config.subjects).toEqual(['decisions.>']);
    const decision = { type: 'decision', event_id: 'e1', propensity: 0.9, q: [0.1, -0.2] };
    const a = await pub.publish('decision', decision);
    const b = await pub.publish('reward', { type: 'reward', event_id: 'e1', reward: 1 });
    expect([a.stream, a.seq, b.seq]).toEqual(['decisions', 1, 2]);

    const first = (await client.jsm.streams.getMessage('decisions', { seq: 1 }))!;
    expect(first.subject).toBe('decisions.decision');
    expect(first.json()).toEqual(decision);
    expect((await client.jsm.streams.getMessage('decisions', { seq: 2 }))!.subject).toBe('decisions.reward');
  });

  it('keeps an existing stream, drops a repeated message id, and refuses a kind that is not one token', async () => {
    const server = await startNatsServer();
    const client = await testClient(server.url);
    await client.jsm.streams.add({
      name: 'decisions',
      subjects: ['decisions.>'],
      max_age: 3_600_000_000_000,
    });
    const pub = await openDecisionsStream(client.nc, STREAMS, log());
    expect((await client.jsm.streams.info('decisions')).config.max_age).toBe(3_600_000_000_000);

    const first = await pub.publish('decision', { n: 1 }, 'event-1');
    const again = await pub.publish('decision', { n: 1 }, 'event-1');
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect((await client.jsm.streams.info('decisions')).state.messages).toBe(1);

    for (const bad of ['', 'a.b', 'a b', '>', '*'])
      await expect(pub.publish(bad, {})).rejects.toThrow(/invalid decision kind/);
    await expect(pub.publish('decision', undefined)).rejects.toThrow(/not JSON/);
    expect(configWith({}).NATS_URL).toBe('');
  });
});
