import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../helpers/nats-server.js';
import {
  type Acked,
  expectReference,
  post,
  replicaEnv,
  scoreRequest,
  USERS,
  vectorOf,
} from '../helpers/replica-clients.js';
import { spawnServer } from '../helpers/spawned-server.js';

describe('replicas sharing state through JetStream KV', () => {
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
  }, 120_000);
});
