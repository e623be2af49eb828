import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { consumerSettled, testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { health, natsApp } from './nats-app.js';
import { deadLettered, handledOnDisk, publishWorkload } from './outage-workload.js';

const N = 600;

/**
 * Publishes N distinct messages at a steady pace; after a third of them the server is SIGKILLed, kept
 * down for `outageMs`, and started again on the same port and store while the publisher keeps going.
 */
async function runOutage(outageMs: number) {
  const server = await startNatsServer();
  const { app, stateDir, logs } = await natsApp(server.url, { NATS_ACK_WAIT_S: '3' });
  const client = await testClient(server.url);

  const publisher = publishWorkload(client, N);
  await waitFor('a third published', () => publisher.published() >= N / 3);
  const handledBefore = (await health(app)).nats.consumers;
  await server.stop('SIGKILL');
  const downAt = Date.now();
  await sleep(outageMs);
  const during = await health(app);
  await server.restart();
  const downMs = Date.now() - downAt;
  await publisher.done;

  await waitFor(
    'every message handled',
    async () =>
      handledOnDisk(stateDir, N) + (await deadLettered(client.jsm)) >= N &&
      (await consumerSettled(client.jsm, 'signals', 'feature-pipeline-signals')) &&
      (await consumerSettled(client.jsm, 'feedback', 'feature-pipeline-feedback')),
    90_000,
  );
  const handled = handledOnDisk(stateDir, N);
  const dead = await deadLettered(client.jsm);
  const stored =
    (await client.jsm.streams.info('signals')).state.messages +
    (await client.jsm.streams.info('feedback')).state.messages;
  const h = (await health(app)).nats.consumers;
  const restarts = logs.lines.filter(
    (l) => l.msg === 'consume loop ended; restarting' || l.msg === 'consumer not running; retrying',
  ).length;
  const counts = {
    outage_ms: downMs,
    published: publisher.published(),
    stored_in_streams: stored,
    handled,
    dead_lettered: dead,
    lost: publisher.published() - handled - dead,
    processed_at_kill: handledBefore.signals.processed + handledBefore.feedback.processed,
    deliveries_processed: h.signals.processed + h.feedback.processed,
    delivery_errors: h.signals.errors + h.feedback.errors,
    consume_loop_restarts: restarts,
  };
  // Running again, on the same connection object that reconnected.
  expect(h.signals.running && h.feedback.running).toBe(true);
  console.log(`NATS server outage ${Math.round(outageMs / 1000)} s: ${JSON.stringify(counts)}`);
  return { counts, during };
}

describe('nats-server killed and restarted mid-stream', () => {
  it('short outage (2 s): every published message is handled exactly once, none lost', async () => {
    const { counts } = await runOutage(2_000);
    expect(counts.published).toBe(N);
    expect(counts.handled).toBe(N);
    expect(counts.dead_lettered).toBe(0);
    expect(counts.lost).toBe(0);
  }, 120_000);

  it('long outage (30 s, past the ~20 s a default client keeps trying): consumers resume, none lost', async () => {
    const { counts, during } = await runOutage(30_000);
    expect(counts.published).toBe(N);
    expect(counts.handled).toBe(N);
    expect(counts.dead_lettered).toBe(0);
    expect(counts.lost).toBe(0);
    // While the server was away /health said so.
    expect(during.nats.consumers.signals.running && during.nats.consumers.feedback.running).toBe(false);
  }, 180_000);
});
