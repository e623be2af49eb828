import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { TestClient } from '../helpers/nats-client.js';
import { CANDIDATES } from '../helpers/test-app.js';

/**
 * A stream of distinct messages whose effects can be counted afterwards: even ones are rewards (by value,
 * each with its own event id, over 20 users), odd ones are syncs of a user of their own.
 */
export const REWARD_USERS = 20;

export function workloadMessage(i: number): { subject: string; body: unknown; msgId: string } {
  if (i % 2 === 0) {
    return {
      subject: 'feedback.reward.egreedy_v1',
      msgId: `w-${i}`,
      body: {
        user_id: `r${i % REWARD_USERS}`,
        reward: 0.5,
        event_id: `ev-${i}`,
        candidate: CANDIDATES[i % CANDIDATES.length],
        now: '2026-11-24T09:30:00Z',
      },
    };
  }
  return {
    subject: 'signals.task.synced',
    msgId: `w-${i}`,
    body: { user_id: `s${i}`, ts: '2026-11-24T10:00:00Z', task_count: i },
  };
}

/**
 * Publishes messages 0..n-1 in the background, 2 ms apart, each awaiting the stream's ack (the client
 * rides out an outage). `published()` counts the acked ones; `done` resolves after the last.
 */
export function publishWorkload(
  client: TestClient,
  n: number,
): { published: () => number; done: Promise<void> } {
  let published = 0;
  const done = (async () => {
    for (let i = 0; i < n; i++) {
      const m = workloadMessage(i);
      await client.publish(m.subject, m.body, { msgId: m.msgId });
      published++;
      await sleep(2);
    }
  })();
  return { published: () => published, done };
}

/** How many of messages 0..n-1 have their effect on disk (reward updates count from the state files). */
export function handledOnDisk(stateDir: string, n: number): number {
  let syncs = 0;
  for (let i = 1; i < n; i += 2) {
    const file = join(stateDir, `s${i}_sync.json`);
    if (existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).task_count === i) syncs++;
  }
  let rewards = 0;
  for (let u = 0; u < REWARD_USERS; u++) {
    const file = join(stateDir, `r${u}_egreedy.json`);
    if (existsSync(file)) rewards += JSON.parse(readFileSync(file, 'utf8')).n_updates as number;
  }
  return syncs + rewards;
}

export async function deadLettered(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info('deadletter')).state.messages;
}
