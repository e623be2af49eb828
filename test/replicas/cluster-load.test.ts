import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFailed } from 'vitest';
import { startNatsCluster } from '../helpers/nats-server.js';
import {
  type Acked,
  expectReference,
  getJson,
  MAX_STALENESS_MS,
  replicaEnv,
  scoreThenReward,
  streamLeader,
  USERS,
} from '../helpers/replica-clients.js';
import { type SpawnedServer, spawnServer } from '../helpers/spawned-server.js';
import { CANDIDATES } from '../helpers/test-app.js';

/**
 * Two replicas over a 3-node R=3 cluster, 16 clients rewarding overlapping users (every fourth reward sent
 * to both replicas at once). Every acknowledged reward must be applied exactly once: each user's n_updates
 * and θ equal a float64 reference fed exactly the acknowledged rewards. In the second test the rewards
 * stream's leader is SIGKILLed mid-load and restarted 3 s later.
 */
describe('replicas sharing state through JetStream KV', () => {
  it('16 clients, 20 users, two replicas, R=3 cluster: each acked reward applied once', async () => {
    await clusterLoad(false);
  }, 120_000);

  it('the same with the rewards stream leader SIGKILLed mid-load and restarted', async () => {
    await clusterLoad(true);
  }, 120_000);
});

async function clusterLoad(killNode: boolean): Promise<void> {
  const cluster = await startNatsCluster(3);
  const env = replicaEnv(cluster.urls, 3);
  const r1 = await spawnServer(env);
  const r2 = await spawnServer(env);
  const replicas: SpawnedServer[] = [r1, r2];
  onTestFailed(() => {
    for (const [i, r] of replicas.entries()) {
      console.error(
        `replica ${i + 1} (exit ${r.proc.exitCode ?? r.proc.signalCode ?? 'running'}):\n${r.output().slice(-4000)}`,
      );
    }
  });
  for (const r of replicas) {
    expect((await getJson(`${r.url}/health`)).state).toEqual({ backend: 'nats-kv', reachable: true });
  }
  // The rewards stream is the state's source of truth: its leader is the node whose death matters.
  const leader = await streamLeader(cluster.nodes, 'rewards');
  const kvLeader = await streamLeader(cluster.nodes, 'KV_oo-bandit-state');
  let restarted: Promise<void> | null = null;

  const acked: Acked[] = [];
  let killedAt = -1;
  const PER_CLIENT = 16;
  const client = async (c: number) => {
    for (let i = 0; i < PER_CLIENT; i++) {
      const n = c * PER_CLIENT + i;
      const user = USERS[(c * 7 + i) % USERS.length]!;
      // Every fourth reward goes to both replicas at once, as a retrying client behind a balancer might.
      const targets = n % 4 === 0 ? replicas : [replicas[(n + 1) % 2]!];
      acked.push(await scoreThenReward(replicas[n % 2]!, targets, user, n, (c + i) % CANDIDATES.length));
      if (killNode && acked.length === 90 && killedAt < 0) {
        killedAt = acked.length;
        await cluster.nodes[leader]!.stop('SIGKILL');
        // Back after a while, on the same store: it rejoins as a follower and catches up.
        restarted = sleep(3000).then(() => cluster.nodes[leader]!.restart());
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
  expect(killedAt).toBe(killNode ? 90 : -1);
  expect(acked).toHaveLength(16 * PER_CLIENT);
  await restarted;
  // The stream leader died: a replica's watch may be stalled until its consumer is recreated, so its
  // copies are as fresh as the staleness bound promises, no fresher.
  await sleep(MAX_STALENESS_MS + 200);
  await expectReference(r1.url, acked);
  await expectReference(r2.url, acked);
  const logs = r1.output() + r2.output();
  const count = (msg: string) => logs.split(msg).length - 1;
  console.info(
    `rewards leader n${leader + 1}, state bucket leader n${kvLeader + 1}; ` +
      `snapshot writes that failed (the stream kept their rewards): ${count('snapshot write failed')}`,
  );
}
