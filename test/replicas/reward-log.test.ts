import { setTimeout as sleep } from 'node:timers/promises';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it, onTestFailed } from 'vitest';
import { encodeKeyToken } from '../../src/state/kv-key.js';
import { startNatsCluster, startNatsServer } from '../helpers/nats-server.js';
import {
  type Acked,
  expectReference,
  getJson,
  MAX_STALENESS_MS,
  post,
  replicaEnv,
  scoreRequest,
  scoreThenReward,
  streamLeader,
  USERS,
  vectorOf,
} from '../helpers/replica-clients.js';
import { type SpawnedServer, spawnServer } from '../helpers/spawned-server.js';
import { CANDIDATES } from '../helpers/test-app.js';

/** The stored snapshot of a user's LinUCB state, as another NATS client reads it (null: none). */
async function snapshotOf(
  urls: string,
  user: string,
): Promise<{ n_updates: number; log_seq?: number } | null> {
  const nc = await connect({ servers: urls.split(',') });
  try {
    const kv = await new Kvm(nc).open('oo-bandit-state');
    const e = await kv.get(`linucb_v1.${encodeKeyToken(user)}`);
    return e && e.operation === 'PUT' ? e.json() : null;
  } finally {
    await nc.close();
  }
}

function dumpOnFailure(replicas: SpawnedServer[]): void {
  onTestFailed(() => {
    for (const [i, r] of replicas.entries()) console.error(`replica ${i + 1}:\n${r.output().slice(-4000)}`);
  });
}

describe('the rewards stream is the source of truth (STATE_BACKEND=nats-kv)', () => {
  it('a replica SIGKILLed after the publish ack and before its snapshot write: the other replica folds its reward', async () => {
    const nats = await startNatsServer();
    const env = replicaEnv(nats.url, 1);
    // A holds its snapshots back for 10 minutes: it dies with acknowledged rewards only in the stream.
    const a = await spawnServer({ ...env, NATS_KV_SNAPSHOT_DELAY_MS: '600000' });
    const b = await spawnServer(env);
    dumpOnFailure([a, b]);
    const user = USERS[3]!;
    const acked: Acked[] = [];
    for (let i = 0; i < 3; i++) {
      const req = scoreRequest(user, i);
      const scored = await post(a.url, '/score', req);
      const body = {
        user_id: user,
        reward: 0.5 - i * 0.4,
        event_id: scored.json.event_id,
        candidate_id: 't2',
      };
      const res = await post(a.url, '/reward', body);
      expect(res.json).toMatchObject({ applied: true, n_updates: i + 1 });
      // Read-your-writes on the replica that acknowledged, before any snapshot exists.
      expect((await getJson(`${a.url}/stats/${user}`)).n_updates).toBe(i + 1);
      acked.push({ user, key: body.event_id, x: vectorOf(req, 1), reward: body.reward });
    }
    expect(await snapshotOf(nats.url, user)).toBeNull();
    await a.kill('SIGKILL');

    await expectReference(b.url, acked, [user]);
    // B wrote the newer snapshot back, tagged with the stream sequence it includes.
    let snap = await snapshotOf(nats.url, user);
    for (let i = 0; i < 50 && snap === null; i++) {
      await sleep(100);
      snap = await snapshotOf(nats.url, user);
    }
    expect(snap).toMatchObject({ n_updates: 3, log_seq: 3 });
    // A client retrying one of A's rewards on B: applied once, not twice.
    const again = await post(b.url, '/reward', {
      user_id: user,
      reward: acked[0]!.reward,
      event_id: acked[0]!.key,
      candidate_id: 't2',
    });
    expect(again.json).toMatchObject({ applied: false, n_updates: 3 });
    await expectReference(b.url, acked, [user]);
  }, 60_000);

  it('one NATS node stopped (SIGSTOP) for 10 s while both replicas serve: every acked reward applied once', async () => {
    const cluster = await startNatsCluster(3);
    const env = replicaEnv(cluster.urls, 3);
    const replicas = [await spawnServer(env), await spawnServer(env)];
    dumpOnFailure(replicas);
    // The rewards stream's leader is the node that stops answering, sockets open: a partition as the
    // others and the clients see it. It resumes and must step down without losing or doubling anything.
    const frozen = cluster.nodes[await streamLeader(cluster.nodes, 'rewards')]!;
    const acked: Acked[] = [];
    let stop = false;
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const n = c * 1000 + i;
        const user = USERS[(c * 7 + i) % 12]!;
        const targets = n % 3 === 0 ? replicas : [replicas[(n + 1) % 2]!];
        acked.push(await scoreThenReward(replicas[n % 2]!, targets, user, n, (c + i) % CANDIDATES.length));
      }
    };
    const clients = Promise.all(Array.from({ length: 8 }, (_, c) => client(c)));
    await sleep(1500);
    const before = acked.length;
    frozen.signal('SIGSTOP');
    await sleep(10_000);
    frozen.signal('SIGCONT');
    await sleep(3000);
    stop = true;
    await clients;
    console.info(`partition: ${before} rewards before the stop, ${acked.length} in all`);
    expect(acked.length).toBeGreaterThan(before);
    await sleep(MAX_STALENESS_MS + 200);
    const users = new Set(acked.map((a) => a.user));
    for (const r of replicas) await expectReference(r.url, acked, [...users]);
  }, 180_000);
});
