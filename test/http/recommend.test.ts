import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decisionLogLines } from '../helpers/decision-log-lines.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const PROFILE = [0.2, 0, 1, 0.5, 0.1];

describe('POST /recommend', () => {
  it('answers the active policy’s score response plus every shadow’s greedy choice', async () => {
    const { app } = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/recommend',
      payload: scoreBody('u1', { profile_features: PROFILE }),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.policy).toBe('egreedy_v1');
    expect(body.ranked).toHaveLength(CANDIDATES.length);
    expect(body.shadows.map((s: { policy: string }) => s.policy)).toEqual(['linucb_v1', 'egreedy_v2']);
    for (const s of body.shadows) {
      expect(CANDIDATES.map((c) => c.id)).toContain(s.chosen_id);
      expect(s.agrees).toBe(s.chosen_id === body.chosen.id);
    }
    // Cold LinUCB ranks by ‖x‖: its greedy choice is the top of /score for a fresh user.
    const lin = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('u2') });
    expect(body.shadows[0].chosen_id).toBe(lin.json().chosen.id);
    expect(body.shadows[0].score).toBeCloseTo(lin.json().chosen.score, 12);
  });

  it('leaves out a shadow that needs profile_features when none are sent', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().shadows.map((s: { policy: string }) => s.policy)).toEqual(['linucb_v1']);
  });

  it('uses ACTIVE_POLICY and SHADOW_POLICIES, and rejects a missing profile for an active v2', async () => {
    const { app } = await testApp({ ACTIVE_POLICY: 'egreedy_v2', SHADOW_POLICIES: 'egreedy_v1' });
    const missing = await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody() });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail[0].loc).toEqual(['body', 'profile_features']);
    const res = await app.inject({
      method: 'POST',
      url: '/recommend',
      payload: scoreBody('u1', { profile_features: PROFILE }),
    });
    expect(res.json().policy).toBe('egreedy_v2');
    expect(res.json().shadows.map((s: { policy: string }) => s.policy)).toEqual(['egreedy_v1']);
  });

  it('logs the decision with its propensity and each shadow’s probability before answering', async () => {
    const { app, stateDir } = await testApp({ EGREEDY_EPSILON: '0.3' });
    const res = await app.inject({
      method: 'POST',
      url: '/recommend',
      payload: scoreBody('u1', { profile_features: PROFILE }),
    });
    const body = res.json();
    const [line] = decisionLogLines(stateDir);
    expect(line).toMatchObject({
      type: 'decision',
      event_id: body.event_id,
      user_id: 'u1',
      policy: 'egreedy_v1',
      chosen_id: body.chosen.id,
      propensity: body.chosen.propensity,
      candidates: CANDIDATES.map((c) => c.id),
    });
    // A cold ε-greedy scores every candidate 0, so its estimates are 0 too.
    expect(line!.q).toEqual([0, 0, 0]);
    const shadows = line!.shadows as Record<string, { chosen_id: string; p_chosen: number; epsilon: number }>;
    const lin = shadows.linucb_v1!;
    expect(lin.p_chosen).toBe(lin.chosen_id === body.chosen.id ? 1 : 0);
    expect(lin.epsilon).toBe(0);
    const v2 = shadows.egreedy_v2!;
    expect(v2.p_chosen).toBeCloseTo(0.3 / 3 + (v2.chosen_id === body.chosen.id ? 0.7 : 0), 15);
  });

  it('updates every participating policy once per reward, also when the reward is sent twice', async () => {
    const { app, stateDir } = await testApp();
    const rec = await app.inject({
      method: 'POST',
      url: '/recommend',
      payload: scoreBody('u1', { profile_features: PROFILE }),
    });
    const { event_id, chosen } = rec.json();
    const other = CANDIDATES.find((c) => c.id !== chosen.id)!.id;
    const send = (url: string, candidate_id: string, reward = 1) =>
      app.inject({ method: 'POST', url, payload: { user_id: 'u1', reward, event_id, candidate_id } });
    const first = await send('/reward', chosen.id);
    expect(first.json()).toMatchObject({ policy: 'linucb_v1', applied: true, n_updates: 1 });
    // The same key on another policy's path is still a repeat for every policy.
    const again = await send('/reward/egreedy/v2', chosen.id);
    expect(again.json()).toMatchObject({ policy: 'egreedy_v2', applied: false, n_updates: 1 });
    const again2 = await send('/reward/egreedy', chosen.id, 0.5);
    expect(again2.json()).toMatchObject({ applied: false, n_updates: 1 });
    // Another candidate of the same event is a new key.
    const second = await send('/reward/egreedy', other, 0);
    expect(second.json()).toMatchObject({ policy: 'egreedy_v1', applied: true, n_updates: 2 });

    for (const [url, d] of [
      ['/stats/u1', 5],
      ['/stats/egreedy/u1', 7],
      ['/stats/egreedy/v2/u1', 12],
    ] as const) {
      const s = (await app.inject({ method: 'GET', url })).json();
      expect(s.n_updates, url).toBe(2);
      expect(s.total_reward, url).toBe(1);
      expect(s.d).toBe(d);
    }
    const rewards = decisionLogLines(stateDir).filter((l) => l.type === 'reward');
    expect(rewards.map((r) => [r.candidate_id, r.reward])).toEqual([
      [chosen.id, 1],
      [chosen.id, 1],
      [chosen.id, 0.5],
      [other, 0],
    ]);
  });

  it('does not update a shadow that did not take part', async () => {
    const { app } = await testApp();
    const rec = (await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody() })).json();
    await app.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u1', reward: 1, event_id: rec.event_id, candidate_id: rec.chosen.id },
    });
    const v2 = (await app.inject({ method: 'GET', url: '/stats/egreedy/v2/u1' })).json();
    expect(v2.n_updates).toBe(0);
    const v1 = (await app.inject({ method: 'GET', url: '/stats/egreedy/u1' })).json();
    expect(v1.n_updates).toBe(1);
  });

  it('writes no decision log with DECISION_LOG=0', async () => {
    const { app, stateDir } = await testApp({ DECISION_LOG: '0' });
    const res = await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody() });
    expect(res.statusCode).toBe(200);
    expect(() => readdirSync(join(stateDir, 'decisions'))).toThrow();
  });
});

describe('GET /evaluation', () => {
  it('has a row for the active policy and each shadow in an empty window', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'GET', url: '/evaluation' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.decisions).toBe(0);
    expect(body.policies).toEqual(
      ['egreedy_v1', 'linucb_v1', 'egreedy_v2'].map((policy, i) => ({
        policy,
        role: i === 0 ? 'logging' : 'shadow',
        agreement: null,
        n: 0,
        ips: null,
        snips: null,
        dr: null,
        ci95: null,
        ips_ci95: null,
        snips_ci95: null,
        ess: 0,
      })),
    );
  });

  it('estimates over rewarded /recommend decisions; unrewarded ones wait for their window', async () => {
    let now = Date.parse('2026-11-24T09:30:00Z');
    const { app } = await testApp({ EGREEDY_EPSILON: '0.5', REWARD_WINDOW_S: '600' }, { clock: () => now });
    const events: { event_id: string; chosen: { id: string } }[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody(`u${i}`) });
      events.push(r.json());
      now += 1000;
    }
    for (const [i, e] of events.slice(0, 4).entries()) {
      await app.inject({
        method: 'POST',
        url: '/reward/egreedy',
        payload: { user_id: `u${i}`, reward: i % 2, event_id: e.event_id, candidate_id: e.chosen.id },
      });
    }
    let body = (await app.inject({ method: 'GET', url: '/evaluation' })).json();
    expect(body.decisions).toBe(4);
    expect(body.awaiting_reward).toBe(2);
    const logging = body.policies.find((p: { policy: string }) => p.policy === 'egreedy_v1');
    expect(logging).toMatchObject({ role: 'logging', n: 4, ips: 0.5, snips: 0.5, dr: 0.5, ess: 4 });
    const lin = body.policies.find((p: { policy: string }) => p.policy === 'linucb_v1');
    expect(lin).toMatchObject({ role: 'shadow', n: 4 });

    now += 601_000;
    body = (await app.inject({ method: 'GET', url: '/evaluation' })).json();
    expect(body.decisions).toBe(6);
    expect(body.awaiting_reward).toBe(0);
    expect(body.policies[0]).toMatchObject({ policy: 'egreedy_v1', n: 6 });
    expect(body.policies[0].ips).toBeCloseTo(2 / 6, 14);

    const empty = await app.inject({
      method: 'GET',
      url: '/evaluation?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z',
    });
    expect(empty.json()).toMatchObject({ decisions: 0, from: '2026-11-01T00:00:00.000Z' });
    const bad = await app.inject({
      method: 'GET',
      url: '/evaluation?from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z',
    });
    expect(bad.statusCode).toBe(422);
  });
});

describe('POST /recommend rewards sent at the same time', () => {
  it('applies the same reward sent twice concurrently once to each participating policy', async () => {
    const { app } = await testApp();
    const rec = (
      await app.inject({
        method: 'POST',
        url: '/recommend',
        payload: scoreBody('u1', { profile_features: PROFILE }),
      })
    ).json();
    const payload = { user_id: 'u1', reward: 1, event_id: rec.event_id, candidate_id: rec.chosen.id };
    const answers = await Promise.all([
      app.inject({ method: 'POST', url: '/reward', payload }),
      app.inject({ method: 'POST', url: '/reward', payload }),
      app.inject({ method: 'POST', url: '/reward/egreedy/v2', payload }),
    ]);
    expect(answers.map((a) => a.json().applied).filter(Boolean)).toHaveLength(1);
    for (const url of ['/stats/u1', '/stats/egreedy/u1', '/stats/egreedy/v2/u1']) {
      expect((await app.inject({ method: 'GET', url })).json().n_updates, url).toBe(1);
    }
  });
});
