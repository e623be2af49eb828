import { setTimeout as sleep } from 'node:timers/promises';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openNatsKvBackend } from '../../src/state/nats-kv-backend.js';
import { RevisionConflictError } from '../../src/state/state-store.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const silent = pino({ level: 'silent' });

async function backend(url: string, windowMs = 60_000) {
  const b = await openNatsKvBackend({
    servers: url,
    replicas: 1,
    stateBucket: 'state',
    decisionsBucket: 'decisions',
    rewardsStream: 'rewards',
    rewardsMaxAgeMs: 3_600_000,
    windowMs,
    timeoutMs: 1000,
    maxCachedDecisions: 100,
    clock: Date.now,
    log: silent,
  });
  onTestFinished(() => b.store.close());
  return b;
}

function kvEnv(url: string, extra: Record<string, string> = {}) {
  return {
    STATE_BACKEND: 'nats-kv',
    NATS_KV_URL: url,
    NATS_KV_BUCKET: 'state',
    NATS_KV_DECISIONS_BUCKET: 'decisions',
    NATS_KV_TIMEOUT_MS: '1000',
    ...extra,
  } as const;
}

describe('NatsKvStateStore', () => {
  it('is a compare-and-set on the key revision, deletion included', async () => {
    const nats = await startNatsServer();
    const { store } = await backend(nats.url);
    const key = { user: 'a.b@c:d', doc: 'linucb_v1' } as const;
    expect(await store.load(key)).toBeNull();
    const r1 = await store.save(key, { n: 1 }, null);
    await expect(store.save(key, { n: 2 }, null)).rejects.toBeInstanceOf(RevisionConflictError);
    const r2 = await store.save(key, { n: 2 }, r1);
    expect(r2).toBeGreaterThan(r1);
    await expect(store.save(key, { n: 3 }, r1)).rejects.toBeInstanceOf(RevisionConflictError);
    expect(await store.load(key)).toEqual({ value: { n: 2 }, revision: r2 });
    await store.delete(key);
    await store.delete(key);
    expect(await store.load(key)).toBeNull();
    const r3 = await store.save(key, { n: 4 }, null);
    expect((await store.load(key))?.revision).toBe(r3);
    expect(await store.healthy()).toBe(true);
  });

  it('moves an unparsable value aside and starts the user cold', async () => {
    const nats = await startNatsServer();
    const { store } = await backend(nats.url);
    const key = { user: 'u1', doc: 'egreedy_v1' } as const;
    await store.writeRaw(key, new TextEncoder().encode('{not json'));
    expect(await store.load(key)).toBeNull();
    expect(await store.readRaw(key)).toBeNull();
    const keys: string[] = [];
    for await (const k of store.keys()) keys.push(`${k.doc}/${k.user}`);
    expect(keys).toEqual([]);
  });

  it('tells a watcher about changes committed elsewhere, in order', async () => {
    const nats = await startNatsServer();
    const a = await backend(nats.url);
    const b = await backend(nats.url);
    const seen: { user: string; revision: number; value: unknown }[] = [];
    await a.store.watch((c) => seen.push({ user: c.key.user, revision: c.revision, value: c.stored?.value }));
    const key = { user: 'w@x', doc: 'egreedy_v2' } as const;
    const r1 = await b.store.save(key, { n: 1 }, null);
    const r2 = await b.store.save(key, { n: 2 }, r1);
    await b.store.delete(key);
    for (let i = 0; i < 100 && seen.length < 3; i++) await sleep(20);
    expect(seen.slice(0, 2)).toEqual([
      { user: 'w@x', revision: r1, value: { n: 1 } },
      { user: 'w@x', revision: r2, value: { n: 2 } },
    ]);
    expect(seen[2]).toMatchObject({ user: 'w@x', value: undefined });
  });
});

describe('STATE_BACKEND=nats-kv', () => {
  it('shares decisions and state between two apps: reward on either, applied once', async () => {
    const nats = await startNatsServer();
    const { app: a } = await testApp(kvEnv(nats.url));
    const { app: b } = await testApp(kvEnv(nats.url));
    const health = (await a.inject({ method: 'GET', url: '/health' })).json();
    expect(health.state).toEqual({ backend: 'nats-kv', reachable: true });

    const scored = (await a.inject({ method: 'POST', url: '/score', payload: scoreBody('u:1') })).json();
    const reward = { user_id: 'u:1', reward: 1, event_id: scored.event_id, candidate_id: CANDIDATES[1]!.id };
    const first = await b.inject({ method: 'POST', url: '/reward', payload: reward });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ applied: true, n_updates: 1 });
    const again = await a.inject({ method: 'POST', url: '/reward', payload: reward });
    expect(again.json()).toMatchObject({ applied: false, n_updates: 1 });
    const onA = (await a.inject({ method: 'GET', url: '/stats/u:1' })).json();
    const onB = (await b.inject({ method: 'GET', url: '/stats/u:1' })).json();
    expect(onA.theta).toEqual(onB.theta);
    expect(onA.n_updates).toBe(1);
  });

  it('a reset removes the user from the rewards stream too: no replica folds the old rewards back', async () => {
    const nats = await startNatsServer();
    const { app: a } = await testApp(kvEnv(nats.url, { NATS_KV_MAX_STALENESS_MS: '50' }));
    const { app: b } = await testApp(kvEnv(nats.url, { NATS_KV_MAX_STALENESS_MS: '50' }));
    const byValue = (reward: number) => ({
      method: 'POST' as const,
      url: '/reward',
      payload: { user_id: 'u:r', reward, candidate: CANDIDATES[0], now: '2026-11-24T09:30:00Z' },
    });
    for (const r of [1, -0.5]) expect((await a.inject(byValue(r))).statusCode).toBe(200);
    expect((await b.inject({ method: 'POST', url: '/reset/u:r' })).statusCode).toBe(200);
    // Past both replicas' staleness bound, every read folds the stream again (there is no snapshot now).
    const expectStats = async (n: number, total: number) => {
      await sleep(200);
      for (const app of [a, b]) {
        const stats = (await app.inject({ method: 'GET', url: '/stats/u:r' })).json();
        expect(stats).toMatchObject({ n_updates: n, total_reward: total });
      }
    };
    await expectStats(0, 0);
    expect((await b.inject(byValue(0.25))).json()).toMatchObject({ applied: true, n_updates: 1 });
    await expectStats(1, 0.25);
  });

  it("refreshes a hot user after another replica's reward", async () => {
    const nats = await startNatsServer();
    const { app: a } = await testApp(kvEnv(nats.url));
    const { app: b } = await testApp(kvEnv(nats.url));
    // u2 is hot on A (cached) before B rewards it.
    expect((await a.inject({ method: 'GET', url: '/stats/u2' })).json().n_updates).toBe(0);
    const res = await b.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u2', reward: 0.5, candidate: CANDIDATES[0], now: '2026-11-24T09:30:00Z' },
    });
    expect(res.statusCode).toBe(200);
    let n = 0;
    for (let i = 0; i < 100 && n === 0; i++) {
      n = (await a.inject({ method: 'GET', url: '/stats/u2' })).json().n_updates;
      if (n === 0) await sleep(10);
    }
    expect(n).toBe(1);
  });

  it('forgets decisions after the reward window (bucket max_age) and after a reset on another replica', async () => {
    const nats = await startNatsServer();
    const { app: a } = await testApp(kvEnv(nats.url, { REWARD_WINDOW_S: '1' }));
    const { app: b } = await testApp(kvEnv(nats.url, { REWARD_WINDOW_S: '1' }));
    const s1 = (await a.inject({ method: 'POST', url: '/score', payload: scoreBody('u3') })).json();
    const s2 = (await a.inject({ method: 'POST', url: '/score', payload: scoreBody('u4') })).json();
    expect((await b.inject({ method: 'POST', url: '/reset/u4' })).statusCode).toBe(200);
    const r2 = await b.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u4', reward: 1, event_id: s2.event_id, candidate_id: 't1' },
    });
    expect(r2.json().error).toBe('event_not_found');
    const nc = await connect({ servers: nats.url });
    onTestFinished(() => nc.close());
    const bucket = await new Kvm(nc).open('decisions');
    expect((await bucket.status()).ttl).toBe(1000);
    expect((await bucket.get(`e.${s1.event_id}`))?.operation).toBe('PUT');
    let gone = false;
    for (let i = 0; i < 60 && !gone; i++) {
      await sleep(100);
      gone = (await bucket.get(`e.${s1.event_id}`)) === null;
    }
    expect(gone).toBe(true);
    const r1 = await b.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u3', reward: 1, event_id: s1.event_id, candidate_id: 't1' },
    });
    expect(r1.statusCode).toBe(404);
  });

  it('answers 503 store_unavailable while NATS is down, and recovers', async () => {
    const nats = await startNatsServer();
    const { app } = await testApp(kvEnv(nats.url));
    const scored = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody('u5') })).json();
    await nats.stop('SIGKILL');
    const body = { user_id: 'u5', reward: 1, event_id: scored.event_id, candidate_id: 't1' };
    const down = await app.inject({ method: 'POST', url: '/reward', payload: body });
    expect(down.statusCode).toBe(503);
    expect(down.json().error).toBe('store_unavailable');
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.state).toEqual({ backend: 'nats-kv', reachable: false });
    // A score must record its decision first: no event id leaves that another replica could not reward.
    const score = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('u6') });
    expect(score.statusCode).toBe(503);
    await nats.restart();
    let res = down;
    for (let i = 0; i < 50 && res.statusCode !== 200; i++) {
      await sleep(100);
      res = await app.inject({ method: 'POST', url: '/reward', payload: body });
    }
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ applied: true, n_updates: 1 });
  });
});
