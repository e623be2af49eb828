import { describe, expect, it } from 'vitest';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

describe('POST /score*', () => {
  it('answers the contract shape for each policy', async () => {
    const { app } = await testApp();
    for (const [url, policy, extra] of [
      ['/score', 'linucb_v1', {}],
      ['/score/egreedy', 'egreedy_v1', {}],
      ['/score/egreedy/v2', 'egreedy_v2', { profile_features: [0.2, 0, 1, 0.5, 0.1] }],
    ] as const) {
      const res = await app.inject({ method: 'POST', url, payload: scoreBody('u1', extra) });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.user_id).toBe('u1');
      expect(body.policy).toBe(policy);
      expect(typeof body.event_id).toBe('string');
      expect(body.ranked.map((r: { id: string }) => r.id).sort()).toEqual(CANDIDATES.map((c) => c.id).sort());
      expect(body.chosen.id).toBe(
        policy === 'linucb_v1' || !body.explored ? body.ranked[0].id : body.chosen.id,
      );
    }
  });

  it('cold LinUCB ranks by the exploration bonus alone, earliest first on ties', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'POST', url: '/score', payload: scoreBody() });
    const body = res.json();
    // θ = 0 and A⁻¹ = I: score = ‖x‖, so the candidate with the largest vector wins.
    for (const r of body.ranked) expect(r.score).toBeGreaterThan(0);
    expect(body.chosen.propensity).toBe(1);
    expect(body.explored).toBe(false);
  });

  it('requires profile_features on /score/egreedy/v2', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'POST', url: '/score/egreedy/v2', payload: scoreBody() });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'profile_features']);
  });

  it('rejects duplicate candidate ids at their index', async () => {
    const { app } = await testApp();
    const candidates = [CANDIDATES[0], { ...CANDIDATES[1], id: 't1' }];
    const res = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('u1', { candidates }) });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'candidates', 1, 'id']);
  });
});
