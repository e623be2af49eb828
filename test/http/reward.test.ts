import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const V2 = { profile_features: [0.2, 0, 1, 0.5, 0.1] };

describe('score → reward → stats', () => {
  it('rewards by event once, answers a repeat with applied: false, and shows it in /stats', async () => {
    const { app } = await testApp();
    const scored = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody() })).json();
    const reward = { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: scored.chosen.id };
    const first = await app.inject({ method: 'POST', url: '/reward', payload: reward });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ user_id: 'u1', policy: 'linucb_v1', applied: true, n_updates: 1 });
    const again = await app.inject({ method: 'POST', url: '/reward', payload: reward });
    expect(again.json()).toEqual({ user_id: 'u1', policy: 'linucb_v1', applied: false, n_updates: 1 });

    const stats = (await app.inject({ method: 'GET', url: '/stats/u1' })).json();
    expect(stats).toMatchObject({
      user_id: 'u1',
      policy: 'linucb_v1',
      d: 5,
      n_updates: 1,
      total_reward: 1,
      mean_reward: 1,
      lambda: 1,
      params: { alpha: 1 },
    });
    expect(stats.theta).toHaveLength(5);
    expect(stats.theta.some((t: number) => t !== 0)).toBe(true);
    expect(Date.parse(stats.last_update_ts)).not.toBeNaN();
  });

  it('a reward by value rebuilds the same x as the score endpoint did', async () => {
    const byEvent = await testApp();
    const byValue = await testApp();
    const scored = (
      await byEvent.app.inject({ method: 'POST', url: '/score/egreedy/v2', payload: scoreBody('u1', V2) })
    ).json();
    await byEvent.app.inject({
      method: 'POST',
      url: '/reward/egreedy/v2',
      payload: { user_id: 'u1', reward: 0.5, event_id: scored.event_id, candidate_id: 't2' },
    });
    const { candidates: _c, ...context } = scoreBody('u1', V2);
    const res = await byValue.app.inject({
      method: 'POST',
      url: '/reward/egreedy/v2',
      payload: { ...context, reward: 0.5, candidate: CANDIDATES[1] },
    });
    expect(res.json()).toMatchObject({ applied: true, n_updates: 1, policy: 'egreedy_v2' });
    const theta = async (t: typeof byEvent) =>
      (await t.app.inject({ method: 'GET', url: '/stats/egreedy/v2/u1' })).json().theta;
    expect(await theta(byValue)).toEqual(await theta(byEvent));
  });

  it('a reward by value with an event_id is idempotent too', async () => {
    const { app } = await testApp();
    const { candidates: _c, ...context } = scoreBody();
    const payload = { ...context, reward: 1, candidate: CANDIDATES[0], event_id: 'ext-1' };
    expect((await app.inject({ method: 'POST', url: '/reward/egreedy', payload })).json().applied).toBe(true);
    expect((await app.inject({ method: 'POST', url: '/reward/egreedy', payload })).json().applied).toBe(
      false,
    );
  });

  it('404 event_not_found for an unknown event, another user, or another policy', async () => {
    const { app } = await testApp();
    const scored = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody() })).json();
    const cases = [
      ['/reward', { user_id: 'u1', event_id: 'nope' }],
      ['/reward', { user_id: 'u2', event_id: scored.event_id }],
      ['/reward/egreedy', { user_id: 'u1', event_id: scored.event_id }],
    ] as const;
    for (const [url, who] of cases) {
      const res = await app.inject({
        method: 'POST',
        url,
        payload: { ...who, reward: 1, candidate_id: 't1' },
      });
      expect(res.statusCode, `${url} ${JSON.stringify(who)}`).toBe(404);
      expect(res.json().error).toBe('event_not_found');
    }
  });

  it('422 when the candidate was not part of the event', async () => {
    const { app } = await testApp();
    const scored = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody() })).json();
    const res = await app.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 'zzz' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'candidate_id']);
  });

  it('an event expires REWARD_WINDOW_S after it was scored, on the server clock', async () => {
    let now = Date.parse('2026-11-24T09:30:00Z');
    const { app } = await testApp({ REWARD_WINDOW_S: '60' }, { clock: () => now });
    const scored = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody() })).json();
    const payload = { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 't1' };
    now += 59_000;
    expect((await app.inject({ method: 'POST', url: '/reward', payload })).statusCode).toBe(200);
    now += 2_000;
    const late = await app.inject({
      method: 'POST',
      url: '/reward',
      payload: { ...payload, candidate_id: 't2' },
    });
    expect(late.statusCode).toBe(404);
  });
});

describe('stats, features, reset', () => {
  it('an unknown user gets cold-start stats', async () => {
    const { app } = await testApp();
    for (const [url, d, params] of [
      ['/stats/nobody', 5, { alpha: 1 }],
      ['/stats/egreedy/nobody', 7, { epsilon: 0.1 }],
      ['/stats/egreedy/v2/nobody', 12, { epsilon: 0.1 }],
    ] as const) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        user_id: 'nobody',
        policy: res.json().policy,
        d,
        n_updates: 0,
        total_reward: 0,
        mean_reward: null,
        theta: new Array(d).fill(0),
        last_update_ts: null,
        lambda: 1,
        params,
      });
    }
  });

  it('/features keeps the last 100 vectors over all policies, oldest first', async () => {
    const { app } = await testApp();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const url = i % 2 ? '/score' : '/score/egreedy';
      ids.push((await app.inject({ method: 'POST', url, payload: scoreBody() })).json().event_id);
    }
    const { items } = (await app.inject({ method: 'GET', url: '/features/u1' })).json();
    expect(items).toHaveLength(100);
    // 40 events × 3 candidates = 120: the first 20 vectors (6 events and 2 of the 7th) are gone.
    // Even events went to ε-greedy (7 wide), odd ones to LinUCB (5 wide).
    expect(items[0].event_id).toBe(ids[6]);
    expect(items[0].candidate_id).toBe('t3');
    expect(items.at(-1).event_id).toBe(ids[39]);
    expect(items.at(-1).x).toHaveLength(5);
    expect(items[0].policy).toBe('egreedy_v1');
    expect(items[0].x).toHaveLength(7);
    expect(items[1].policy).toBe('linucb_v1');
  });

  it('removes every policy file, the sync file, the decisions and the ring buffer', async () => {
    const { app, stateDir } = await testApp({ STATE_BACKEND: 'file' });
    const events: string[] = [];
    for (const [url, rurl, extra] of [
      ['/score', '/reward', {}],
      ['/score/egreedy', '/reward/egreedy', {}],
      ['/score/egreedy/v2', '/reward/egreedy/v2', V2],
    ] as const) {
      const scored = (await app.inject({ method: 'POST', url, payload: scoreBody('u1', extra) })).json();
      events.push(scored.event_id);
      await app.inject({
        method: 'POST',
        url: rurl,
        payload: { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 't1' },
      });
    }
    const files = () => readdirSync(stateDir).filter((f) => f.startsWith('u1'));
    expect(files().sort()).toEqual(['u1.json', 'u1_egreedy.json', 'u1_egreedy_v2.json']);

    expect((await app.inject({ method: 'POST', url: '/reset/u1' })).json()).toEqual({
      user_id: 'u1',
      reset: true,
    });
    expect(files()).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/stats/u1' })).json().n_updates).toBe(0);
    expect((await app.inject({ method: 'GET', url: '/features/u1' })).json().items).toEqual([]);
    const res = await app.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u1', reward: 1, event_id: events[0], candidate_id: 't2' },
    });
    expect(res.statusCode).toBe(404);
    expect(existsSync(stateDir)).toBe(true);
  });
});

describe('ε-greedy', () => {
  it('is reproducible with EGREEDY_SEED and states the contract propensity', async () => {
    const run = async () => {
      const { app } = await testApp({ EGREEDY_SEED: '42', EGREEDY_EPSILON: '0.5' });
      const out = [];
      for (let i = 0; i < 30; i++) {
        out.push((await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })).json());
      }
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a.map((r) => r.chosen.id)).toEqual(b.map((r) => r.chosen.id));
    const k = CANDIDATES.length;
    for (const r of a) {
      const greedy = r.chosen.id === r.ranked[0].id;
      expect(r.chosen.propensity).toBeCloseTo(0.5 / k + (greedy ? 0.5 : 0), 15);
    }
    expect(a.some((r) => r.explored)).toBe(true);
    expect(a.some((r) => !r.explored)).toBe(true);
  });

  it('ε = 0 never explores and ε = 1 always does', async () => {
    for (const [eps, explored] of [
      ['0', false],
      ['1', true],
    ] as const) {
      const { app } = await testApp({ EGREEDY_EPSILON: eps });
      for (let i = 0; i < 10; i++) {
        const r = (await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })).json();
        expect(r.explored).toBe(explored);
      }
    }
  });
});
