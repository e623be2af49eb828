import { describe, expect, it } from 'vitest';
import type { BatchingScorer } from '../../src/scoring/batching-scorer.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const PROFILE = [0.2, 0, 1, 0.5, 0.1];

describe('POST /score/batch', () => {
  it('answers in request order, an error object for each invalid item, and scores the rest as /score', async () => {
    const { app } = await testApp({ EGREEDY_EPSILON: '0' });
    const bad = scoreBody('u2', { candidates: [{ ...CANDIDATES[0], priority: 9 }] });
    const requests = [scoreBody('u1'), bad, scoreBody('u3'), { user_id: '../etc' }, scoreBody('u1')];
    const res = await app.inject({
      method: 'POST',
      url: '/score/batch',
      payload: { policy: 'egreedy_v1', requests },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json();
    expect(results).toHaveLength(5);
    expect(results[1]).toMatchObject({ error: 'validation_error' });
    expect(results[1].detail[0].loc).toEqual(['body', 'requests', 1, 'candidates', 0, 'priority']);
    expect(results[3].error).toBe('validation_error');
    expect(results[3].detail.map((d: { loc: unknown[] }) => d.loc[3])).toEqual(
      expect.arrayContaining(['user_id', 'candidates']),
    );
    for (const i of [0, 2, 4]) {
      expect(results[i].policy).toBe('egreedy_v1');
      expect(results[i].user_id).toBe(requests[i]!.user_id);
      const single = (
        await app.inject({ method: 'POST', url: '/score/egreedy', payload: requests[i] })
      ).json();
      expect(results[i].ranked).toEqual(single.ranked);
    }
    expect(new Set([results[0].event_id, results[2].event_id, results[4].event_id]).size).toBe(3);
  });

  it('records each result as a decision that can be rewarded by event', async () => {
    const { app } = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/score/batch',
      payload: { policy: 'linucb_v1', requests: [scoreBody('a'), scoreBody('b')] },
    });
    const { results } = res.json();
    const reward = await app.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'b', reward: 1, event_id: results[1].event_id, candidate_id: 't3' },
    });
    expect(reward.statusCode, reward.body).toBe(200);
    expect(reward.json()).toMatchObject({ applied: true, n_updates: 1 });
  });

  it('needs profile_features per item for egreedy_v2', async () => {
    const { app } = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/score/batch',
      payload: {
        policy: 'egreedy_v2',
        requests: [scoreBody('a'), scoreBody('b', { profile_features: PROFILE })],
      },
    });
    const { results } = res.json();
    expect(results[0].detail[0].loc).toEqual(['body', 'requests', 0, 'profile_features']);
    expect(results[1].policy).toBe('egreedy_v2');
  });

  it('rejects a batch that is empty, too long, or of an unknown policy as a whole', async () => {
    const { app } = await testApp({ BATCH_BODY_LIMIT: String(64 * 1024 * 1024) });
    for (const payload of [
      { policy: 'egreedy_v1', requests: [] },
      { policy: 'egreedy_v1', requests: Array.from({ length: 10_001 }, () => ({})) },
      { policy: 'nope', requests: [scoreBody()] },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/score/batch', payload });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toBe('validation_error');
    }
  });

  it('takes bodies up to BATCH_BODY_LIMIT, beyond BODY_LIMIT, and coalesces the items into few kernel calls', async () => {
    const { app } = await testApp({
      BODY_LIMIT: '4096',
      BATCH_BODY_LIMIT: String(8 * 1024 * 1024),
      SCORE_BATCH_MAX: '256',
    });
    const requests = Array.from({ length: 1000 }, (_, i) => scoreBody(`user${i}`));
    const scorer = app.bandit.scorer as BatchingScorer;
    const before = scorer.stats.kernelCalls;
    const res = await app.inject({
      method: 'POST',
      url: '/score/batch',
      payload: { policy: 'egreedy_v1', requests },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(1000);
    expect(scorer.stats.kernelCalls - before).toBeLessThan(100);
    const single = await app.inject({
      method: 'POST',
      url: '/score',
      payload: { ...scoreBody(), padding: 'x'.repeat(5000) },
    });
    expect(single.statusCode).toBe(413);
  });
});
