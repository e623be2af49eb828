import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FEATURE_WIDTH, featureMatrix } from '../../src/features/mod.js';
import { type NatsServer, startNatsCluster, startNatsServer } from '../helpers/nats-server.js';
import { numpy } from '../helpers/numpy.js';
import { type SpawnedServer, spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES } from '../helpers/test-app.js';

const D = 5;
const MAX_STALENESS_MS = 500;
const USERS = Array.from({ length: 20 }, (_, i) => `user.${i}@example:x`);

interface Acked {
  readonly user: string;
  readonly key: string;
  readonly x: number[];
  readonly reward: number;
}

function replicaEnv(urls: string, replicas: number): Record<string, string> {
  return {
    STATE_BACKEND: 'nats-kv',
    NATS_KV_URL: urls,
    NATS_KV_REPLICAS: String(replicas),
    NATS_KV_TIMEOUT_MS: '2000',
    NATS_KV_MAX_STALENESS_MS: String(MAX_STALENESS_MS),
    STATE_DIR: tempDir(),
    EGREEDY_SEED: '1',
  };
}

/** POSTs until the service answers something other than 503 (or the connection fails): what a client does. */
/** The service's JSON answers, checked field by field by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: see above
type Json = any;

async function post(base: string, path: string, body: unknown): Promise<{ status: number; json: Json }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      if (res.status !== 503 || attempt >= 150) return { status: res.status, json };
    } catch (err) {
      if (attempt >= 150) throw err;
    }
    await sleep(100);
  }
}

async function getJson(url: string): Promise<Json> {
  return (await fetch(url)).json();
}

function scoreRequest(user: string, minute: number) {
  const now = new Date(Date.parse('2026-11-24T06:00:00Z') + minute * 60_000).toISOString();
  return { user_id: user, now, timezone: 'Europe/Berlin', candidates: CANDIDATES };
}

/** The d=5 vector the service learns from for candidate `index` of that request. */
function vectorOf(req: ReturnType<typeof scoreRequest>, index: number): number[] {
  const x = featureMatrix(
    { now: Date.parse(req.now), timezone: req.timezone, profile: null },
    req.candidates.map((c) => ({
      priority: c.priority,
      createdAt: Date.parse(c.created_at),
      dueAt: c.due_at ? Date.parse(c.due_at) : null,
    })),
  );
  return Array.from(x.subarray(index * FEATURE_WIDTH, index * FEATURE_WIDTH + D));
}

/** Every user's θ and n_updates against the numpy reference of exactly the acknowledged updates. */
async function expectReference(base: string, acked: Acked[]): Promise<void> {
  for (const user of USERS) {
    const mine = acked.filter((a) => a.user === user);
    const stats = await getJson(`${base}/stats/${user}`);
    expect(stats.n_updates, user).toBe(mine.length);
    const ref = numpy<{ theta: number[] }>('bandit.py', {
      d: D,
      lambda: 1,
      alpha: 1,
      updates: mine.map((a) => [...a.x, a.reward]),
      queries: [],
    });
    for (let i = 0; i < D; i++) expect(stats.theta[i]).toBeCloseTo(ref.theta[i]!, 9);
    expect(stats.total_reward).toBeCloseTo(
      mine.reduce((s, a) => s + a.reward, 0),
      9,
    );
  }
}

async function streamLeader(nodes: NatsServer[], stream: string): Promise<number> {
  const nc = await connect({ servers: nodes.map((n) => n.url) });
  onTestFinished(() => nc.close());
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return Number(info.cluster?.leader?.replace(/^n/, '')) - 1;
}

describe('replicas sharing state through JetStream KV', () => {
  it('16 clients, 20 users, two replicas, R=3 cluster losing a node mid-load: each acked reward applied once', async () => {
    const cluster = await startNatsCluster(3);
    const env = replicaEnv(cluster.urls, 3);
    const r1 = await spawnServer(env);
    const r2 = await spawnServer(env);
    const replicas: SpawnedServer[] = [r1, r2];
    for (const r of replicas) {
      expect((await getJson(`${r.url}/health`)).state).toEqual({ backend: 'nats-kv', reachable: true });
    }
    const leader = await streamLeader(cluster.nodes, 'KV_oo-bandit-state');

    const acked: Acked[] = [];
    let killedAt = -1;
    const PER_CLIENT = 16;
    const client = async (c: number) => {
      for (let i = 0; i < PER_CLIENT; i++) {
        const n = c * PER_CLIENT + i;
        const user = USERS[(c * 7 + i) % USERS.length]!;
        const req = scoreRequest(user, n);
        const scorer = replicas[n % 2]!;
        const scored = await post(scorer.url, '/score', req);
        expect(scored.status, JSON.stringify(scored.json)).toBe(200);
        const index = (c + i) % CANDIDATES.length;
        const reward = ((n * 37) % 21) / 10 - 1;
        const body = {
          user_id: user,
          reward,
          event_id: scored.json.event_id,
          candidate_id: CANDIDATES[index]!.id,
        };
        // Every fourth reward goes to both replicas at once, as a retrying client behind a balancer might.
        const targets = n % 4 === 0 ? replicas : [replicas[(n + 1) % 2]!];
        const answers = await Promise.all(targets.map((r) => post(r.url, '/reward', body)));
        for (const a of answers) expect(a.status, JSON.stringify(a.json)).toBe(200);
        // Applied exactly once across the replicas (a 503 retried after its write landed answers false).
        expect(
          answers.filter((a) => a.json.applied).length,
          `n=${n} acked=${acked.length} ${JSON.stringify(answers)}`,
        ).toBeLessThanOrEqual(1);
        acked.push({ user, key: body.event_id, x: vectorOf(req, index), reward });
        if (acked.length === 90 && killedAt < 0) {
          killedAt = acked.length;
          await cluster.nodes[leader]!.stop('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
    expect(killedAt).toBe(90);
    expect(acked).toHaveLength(16 * PER_CLIENT);
    // The stream leader died: a replica's watch may be stalled until its consumer is recreated, so its
    // copies are as fresh as the staleness bound promises, no fresher.
    await sleep(MAX_STALENESS_MS + 200);
    await expectReference(r1.url, acked);
    await expectReference(r2.url, acked);
    const logs = r1.output() + r2.output();
    const count = (msg: string) => logs.split(msg).length - 1;
    console.info(
      `double-committed writes carried forward: ${count('re-applying overwritten rewards')}, ` +
        `late writes found: ${count('a write reported failed has landed')}`,
    );
  }, 120_000);

  it("a killed replica's pending events are rewarded through the other; a reward sent to both is applied once", async () => {
    const nats = await startNatsServer();
    const env = replicaEnv(nats.url, 1);
    const [r1, r2] = [await spawnServer(env), await spawnServer(env)];
    const pending: { user: string; event_id: string; req: ReturnType<typeof scoreRequest> }[] = [];
    for (const [i, user] of USERS.slice(0, 10).entries()) {
      const req = scoreRequest(user, i);
      const scored = await post(r1.url, '/score', req);
      pending.push({ user, event_id: scored.json.event_id, req });
    }
    await r1.kill('SIGKILL');
    const acked: Acked[] = [];
    for (const p of pending) {
      const body = { user_id: p.user, reward: 1, event_id: p.event_id, candidate_id: 't2' };
      const res = await post(r2.url, '/reward', body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json).toMatchObject({ applied: true, n_updates: 1 });
      acked.push({ user: p.user, key: p.event_id, x: vectorOf(p.req, 1), reward: 1 });
    }

    const r3 = await spawnServer(env);
    const req = scoreRequest(USERS[15]!, 0);
    const scored = await post(r3.url, '/score', req);
    const body = { user_id: USERS[15], reward: -0.5, event_id: scored.json.event_id, candidate_id: 't3' };
    const both = await Promise.all([post(r2.url, '/reward', body), post(r3.url, '/reward', body)]);
    expect(both.map((b) => b.status)).toEqual([200, 200]);
    expect(both.filter((b) => b.json.applied)).toHaveLength(1);
    acked.push({ user: USERS[15]!, key: body.event_id, x: vectorOf(req, 2), reward: -0.5 });
    await expectReference(r3.url, acked);
  }, 60_000);
});
