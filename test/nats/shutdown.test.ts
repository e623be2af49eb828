import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { configWith } from '../../src/config/env.js';
import { consumerSettled, testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { HealthBody } from './nats-app.js';
import { handledOnDisk, workloadMessage } from './outage-workload.js';

const N = 400;

describe('shutdown', () => {
  it('closing the app mid-stream drains: every delivered message is handled and acked, the rest goes to the next instance at once', async () => {
    const server = await startNatsServer();
    const stateDir = tempDir();
    // ack_wait far beyond the test: a message left unacked by the first app would show as a stall.
    const config = configWith({
      NATS_URL: server.url,
      STATE_BACKEND: 'file',
      STATE_DIR: stateDir,
      NATS_ACK_WAIT_S: '300',
      LOG_LEVEL: 'silent',
    });
    const client = await testClient(server.url);
    await client.jsm.streams.add({ name: 'signals', subjects: ['signals.>'] });
    await client.jsm.streams.add({ name: 'feedback', subjects: ['feedback.>'] });
    for (let i = 0; i < N; i++) {
      const m = workloadMessage(i);
      await client.publish(m.subject, m.body);
    }
    const first = await buildApp(config);
    await waitFor('some handled', () => handledOnDisk(stateDir, N) >= 40);
    await first.close();
    const afterFirst = handledOnDisk(stateDir, N);
    await sleep(200);
    // Nothing delivered to the closed app waits for an ack: all of it was handled before close returned.
    for (const st of ['signals', 'feedback']) {
      const info = await client.jsm.consumers.info(st, `feature-pipeline-${st}`);
      expect(info.num_ack_pending).toBe(0);
      expect(info.delivered.stream_seq).toBe(info.ack_floor.stream_seq);
    }
    expect(handledOnDisk(stateDir, N)).toBe(afterFirst);

    const second = await buildApp(config);
    try {
      await waitFor(
        'the rest handled by the next instance',
        async () =>
          handledOnDisk(stateDir, N) === N &&
          (await consumerSettled(client.jsm, 'signals', 'feature-pipeline-signals')) &&
          (await consumerSettled(client.jsm, 'feedback', 'feature-pipeline-feedback')),
        20_000,
      );
    } finally {
      await second.close();
    }
    expect(afterFirst).toBeLessThan(N);
  });

  it('SIGTERM stops a server with NATS enabled cleanly (exit 0)', async () => {
    const server = await startNatsServer();
    const proc = await spawnServer({ NATS_URL: server.url, STATE_DIR: tempDir() });
    await waitFor('consumers running', async () => {
      const h = (await (await fetch(`${proc.url}/health`)).json()) as HealthBody;
      return h.nats.consumers.signals.running && h.nats.consumers.feedback.running;
    });
    expect(await proc.kill('SIGTERM')).toBe(0);
  });

  it('starts without a reachable server and consumes once one appears', async () => {
    const server = await startNatsServer();
    await server.stop();
    const stateDir = tempDir();
    const app = await buildApp(
      configWith({ NATS_URL: server.url, STATE_BACKEND: 'file', STATE_DIR: stateDir, LOG_LEVEL: 'silent' }),
    );
    try {
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.json().nats).toMatchObject({ enabled: true, consumers: { signals: { running: false } } });
      await server.restart();
      const client = await testClient(server.url);
      await waitFor('consumers running', async () => {
        const h = (await app.inject({ method: 'GET', url: '/health' })).json();
        return h.nats.consumers.signals.running;
      });
      await client.publish('signals.task.synced', {
        user_id: 's1',
        ts: '2026-11-24T10:00:00Z',
        task_count: 1,
      });
      await waitFor('handled', () => handledOnDisk(stateDir, 2) === 1);
    } finally {
      await app.close();
    }
  });
});
