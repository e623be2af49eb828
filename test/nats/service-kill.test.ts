import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerSettled, testClient, waitFor } from '../helpers/nats-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { HealthBody } from './nats-app.js';
import { deadLettered, handledOnDisk, publishWorkload } from './outage-workload.js';

const N = 600;

async function processed(url: string): Promise<number> {
  const h = (await (await fetch(`${url}/health`)).json()) as HealthBody;
  return h.nats.consumers.signals.processed + h.nats.consumers.feedback.processed;
}

/** Whether the effect of this stored message is on disk (the message bodies come from the workload). */
function effectOnDisk(stateDir: string, subject: string, body: Record<string, unknown>): boolean {
  if (subject === 'signals.task.synced') return existsSync(join(stateDir, `${body.user_id}_sync.json`));
  const file = join(stateDir, `${body.user_id}_egreedy.json`);
  if (!existsSync(file)) return false;
  const key = `${body.event_id}:${(body.candidate as { id: string }).id}`;
  return (JSON.parse(readFileSync(file, 'utf8')).applied_keys as string[]).includes(key);
}

describe('the service SIGKILLed mid-stream', () => {
  it('loses no acked effect and, restarted, handles every message exactly once', async () => {
    const server = await startNatsServer();
    const stateDir = tempDir();
    const env = {
      NATS_URL: server.url,
      STATE_BACKEND: 'file',
      STATE_DIR: stateDir,
      NATS_ACK_WAIT_S: '2',
      NATS_NAK_DELAY_MS: '50',
    };
    const client = await testClient(server.url);

    let service = await spawnServer(env);
    const publisher = publishWorkload(client, N);
    await waitFor('a quarter handled', async () => (await processed(service.url)) >= N / 4);
    await service.kill('SIGKILL');

    // Every message the server holds as acked has its effect on disk, though the process died mid-stream.
    let ackedChecked = 0;
    let ackedMissing = 0;
    for (const stream of ['signals', 'feedback']) {
      const floor = (await client.jsm.consumers.info(stream, `feature-pipeline-${stream}`)).ack_floor
        .stream_seq;
      for (let seq = 1; seq <= floor; seq++) {
        const m = (await client.jsm.streams.getMessage(stream, { seq }))!;
        ackedChecked++;
        if (!effectOnDisk(stateDir, m.subject, m.json())) ackedMissing++;
      }
    }

    service = await spawnServer(env);
    await publisher.done;
    await waitFor(
      'every message handled after the restart',
      async () =>
        handledOnDisk(stateDir, N) >= N &&
        (await consumerSettled(client.jsm, 'signals', 'feature-pipeline-signals')) &&
        (await consumerSettled(client.jsm, 'feedback', 'feature-pipeline-feedback')),
      60_000,
    );
    const counts = {
      published: publisher.published(),
      acked_before_kill: ackedChecked,
      acked_effects_missing_after_kill: ackedMissing,
      handled: handledOnDisk(stateDir, N),
      dead_lettered: await deadLettered(client.jsm),
      processed_after_restart: await processed(service.url),
    };
    console.log(
      `service SIGKILL mid-stream: ${JSON.stringify({ ...counts, lost: N - counts.handled - counts.dead_lettered })}`,
    );
    expect(counts.acked_before_kill).toBeGreaterThan(0);
    expect(counts.acked_effects_missing_after_kill).toBe(0);
    expect(counts.published).toBe(N);
    expect(counts.handled).toBe(N);
    expect(counts.dead_lettered).toBe(0);
  }, 120_000);
});
