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
      const k = CANDIDATES.length;
      if (policy === 'linucb_v1') {
        expect(body.explored).toBe(false);
        expect(body.chosen.id).toBe(body.ranked[0].id);
        expect(body.chosen.propensity).toBe(1);
      } else if (body.explored) {
        // Drawn uniformly: any candidate, and the greedy one keeps its own share.
        expect(CANDIDATES.map((c) => c.id)).toContain(body.chosen.id);
        const greedy = body.chosen.id === body.ranked[0].id;
        expect(body.chosen.propensity).toBeCloseTo(0.1 / k + (greedy ? 0.9 : 0), 12);
      } else {
        expect(body.chosen.id).toBe(body.ranked[0].id);
        expect(body.chosen.propensity).toBeCloseTo(0.1 / k + 0.9, 12);
      }
      const chosen = body.ranked.find((r: { id: string }) => r.id === body.chosen.id);
      expect(body.chosen.score).toBe(chosen.score);
    }
  });

  it('explores and exploits by EGREEDY_EPSILON: 1 always explores (propensity 1/K), 0 never (propensity 1)', async () => {
    for (const [epsilon, explored] of [
      ['1', true],
      ['0', false],
    ] as const) {
      const { app } = await testApp({ EGREEDY_EPSILON: epsilon });
      for (let i = 0; i < 5; i++) {
        const body = (
          await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })
        ).json();
        expect(body.explored).toBe(explored);
        expect(body.chosen.propensity).toBeCloseTo(explored ? 1 / CANDIDATES.length : 1, 12);
        if (!explored) expect(body.chosen.id).toBe(body.ranked[0].id);
      }
    }
  });

  it('cold LinUCB ranks by the exploration bonus alone, earliest first on ties', async () => {
    const { app } = await testApp();
    // Two pairs of candidates with identical fields (so identical vectors and scores), not in id order.
    const same = { priority: 2, created_at: '2026-11-20T08:00:00Z', due_at: null };
    const other = { priority: 4, created_at: '2026-11-01T08:00:00Z', due_at: '2026-11-23T00:00:00Z' };
    const candidates = [
      { id: 'zeta', ...same },
      { id: 'omega', ...other },
      { id: 'alpha', ...same },
      { id: 'beta', ...other },
    ];
    const res = await app.inject({ method: 'POST', url: '/score', payload: scoreBody('u1', { candidates }) });
    const body = res.json();
    // θ = 0 and A⁻¹ = I: score = ‖x‖. The `other` pair has the larger vectors (overdue, priority 1, older).
    const score = Object.fromEntries(body.ranked.map((r: { id: string; score: number }) => [r.id, r.score]));
    expect(score.zeta).toBe(score.alpha);
    expect(score.omega).toBe(score.beta);
    expect(score.omega).toBeGreaterThan(score.zeta);
    // Ties keep the request's order: omega before beta, zeta before alpha.
    expect(body.ranked.map((r: { id: string }) => r.id)).toEqual(['omega', 'beta', 'zeta', 'alpha']);
    expect(body.chosen.id).toBe('omega');
    expect(body.chosen.propensity).toBe(1);
    expect(body.explored).toBe(false);
  });

  it('cold egreedy scores every candidate 0: the earliest is chosen, the ranking is the request order', async () => {
    const { app } = await testApp({ EGREEDY_EPSILON: '0' });
    const candidates = [...CANDIDATES].reverse();
    const body = (
      await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody('u1', { candidates }) })
    ).json();
    expect(body.ranked.every((r: { score: number }) => r.score === 0)).toBe(true);
    expect(body.ranked.map((r: { id: string }) => r.id)).toEqual(candidates.map((c) => c.id));
    expect(body.chosen.id).toBe(candidates[0]!.id);
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
