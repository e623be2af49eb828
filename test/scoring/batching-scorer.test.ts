import { describe, expect, it } from 'vitest';
import { posterior, rankOneUpdate, ridgeIdentity } from '../../kernels/reference/mod.js';
import { loadBackendByName } from '../../kernels/registry.js';
import { POLICIES, type PolicySpec } from '../../src/policies/policy-spec.js';
import { BatchingScorer } from '../../src/scoring/batching-scorer.js';
import { ReferenceScorer } from '../../src/scoring/reference-scorer.js';
import type { ScoreJob } from '../../src/scoring/scorer.js';
import { coldState, posteriorOf } from '../../src/state/policy-state.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

const WIDTH = 12;

function job(spec: PolicySpec, user: string, seed: number, k = 5): ScoreJob {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
  const a = ridgeIdentity(spec.d, 1);
  const b = new Float64Array(spec.d);
  for (let i = 0; i < 6; i++) {
    rankOneUpdate(a, b, Array.from({ length: spec.d }, rnd), rnd(), spec.d);
  }
  const x = Float64Array.from({ length: k * WIDTH }, rnd);
  const p = posterior(a, b, spec.d);
  return { spec, user, version: {}, posterior: () => p, b, x, k, stride: WIDTH };
}

async function scorer(opts: { maxBatch: number; waitUs: number; slabUsers?: number }) {
  return new BatchingScorer({ backend: await loadBackendByName('js-f64'), alpha: 1, slabUsers: 64, ...opts });
}

describe('BatchingScorer', () => {
  it('coalesces concurrent jobs of several policies into few kernel calls, scores as the reference', async () => {
    const s = await scorer({ maxBatch: 32, waitUs: 500 });
    const ref = new ReferenceScorer(1);
    const jobs = Array.from({ length: 60 }, (_, i) =>
      job(Object.values(POLICIES)[i % 3]!, `u${i % 20}`, i + 1, 1 + (i % 7)),
    );
    // Jobs of one user must carry one state per call; give repeated users the same posterior.
    const byUser = new Map<string, ScoreJob>();
    const same = jobs.map((j) => {
      const key = `${j.spec.name}/${j.user}`;
      const first = byUser.get(key);
      if (!first) byUser.set(key, j);
      return first ? { ...j, version: first.version, posterior: first.posterior, b: first.b } : j;
    });
    const got = await Promise.all(same.map((j) => s.score(j)));
    for (const [i, j] of same.entries()) {
      const want = ref.score(j);
      for (let c = 0; c < j.k; c++) expect(got[i]![c]).toBeCloseTo(want[c]!, 12);
    }
    expect(s.stats.jobs).toBe(60);
    // 60 jobs, at most 32 a flush, one kernel call per policy a flush: far fewer calls than jobs.
    expect(s.stats.kernelCalls).toBeLessThanOrEqual(9);
    expect(s.stats.largestBatch).toBeGreaterThan(1);
    await s.close();
  });

  it('flushes a full batch at once, without waiting for the timer', async () => {
    const s = await scorer({ maxBatch: 4, waitUs: 60_000_000 });
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4].map((i) => s.score(job(POLICIES.egreedy_v1, `u${i}`, i))));
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(s.stats.kernelCalls).toBe(1);
    await s.close();
  });

  it('lets a lone job wait no longer than the bound, not for the batch to fill', async () => {
    const s = await scorer({ maxBatch: 1000, waitUs: 30_000 });
    const t0 = process.hrtime.bigint();
    await s.score(job(POLICIES.linucb_v1, 'alone', 3));
    const waitedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(waitedMs).toBeGreaterThanOrEqual(29);
    expect(waitedMs).toBeLessThan(5_000);
    expect(s.stats.flushes).toBe(1);
    await s.close();
  });

  it('scores two states of one user in one batch each with its own posterior', async () => {
    const s = await scorer({ maxBatch: 8, waitUs: 1000 });
    const ref = new ReferenceScorer(1);
    const a = job(POLICIES.linucb_v1, 'same', 1);
    const b = { ...job(POLICIES.linucb_v1, 'same', 2), x: a.x };
    const [ga, gb] = await Promise.all([s.score(a), s.score(b)]);
    for (let c = 0; c < a.k; c++) {
      expect(ga![c]).toBeCloseTo(ref.score(a)[c]!, 12);
      expect(gb![c]).toBeCloseTo(ref.score(b)[c]!, 12);
    }
    expect(ga![0]).not.toBeCloseTo(gb![0]!, 6);
    await s.close();
  });

  it('keeps hot users resident, evicts the least recently used, and follows state changes', async () => {
    const s = await scorer({ maxBatch: 2, waitUs: 0, slabUsers: 3 });
    const spec = POLICIES.egreedy_v2;
    for (let i = 0; i < 5; i++) await s.score(job(spec, `u${i}`, i + 1));
    expect(s.residentUsers('egreedy_v2')).toBe(3);
    // A reward committed for a resident user is scattered into its slot: scoring with that state
    // (the same object the repository caches) needs no further write and sees the new θ.
    const state = coldState('egreedy_v2', 1);
    const j = { ...job(spec, 'u4', 9), version: state, posterior: () => posteriorOf(state), b: state.b };
    await s.score(j);
    rankOneUpdate(
      state.a,
      state.b,
      Array.from({ length: 12 }, () => 0.5),
      1,
      12,
    );
    s.stateChanged('egreedy_v2', 'u4', state);
    let asked = 0;
    const after = await s.score({
      ...j,
      posterior: () => {
        asked++;
        return posteriorOf(state);
      },
    });
    // The slot already holds this state: the scorer never derived its posterior again.
    expect(asked).toBe(0);
    const want = new ReferenceScorer(1).score(j);
    for (let c = 0; c < j.k; c++) expect(after[c]).toBeCloseTo(want[c]!, 12);
    s.stateChanged('egreedy_v2', 'u4', null);
    expect(s.residentUsers('egreedy_v2')).toBe(2);
    await s.close();
  });
});

describe('micro-batching in the HTTP path', () => {
  it('coalesces concurrent /score requests and answers exactly as the reference scorer', async () => {
    const env = { SCORE_BATCH_MAX: '64', SCORE_BATCH_WAIT_US: '2000', SCORER_BACKEND: 'wasm-simd' } as const;
    const { app } = await testApp(env);
    const { app: refApp } = await testApp({}, { scorer: new ReferenceScorer(1) });
    const users = Array.from({ length: 40 }, (_, i) => `user${i}`);
    // Some learning first, so that scores are not all cold.
    for (const u of users.slice(0, 10)) {
      for (const a of [app, refApp]) {
        const scored = (await a.inject({ method: 'POST', url: '/score', payload: scoreBody(u) })).json();
        const r = await a.inject({
          method: 'POST',
          url: '/reward',
          payload: { user_id: u, reward: 1, event_id: scored.event_id, candidate_id: 't2' },
        });
        expect(r.statusCode, r.body).toBe(200);
      }
    }
    const scorer = app.bandit.scorer as BatchingScorer;
    const callsBefore = scorer.stats.kernelCalls;
    const [got, want] = await Promise.all(
      [app, refApp].map((a) =>
        Promise.all(users.map((u) => a.inject({ method: 'POST', url: '/score', payload: scoreBody(u) }))),
      ),
    );
    expect(scorer.stats.kernelCalls - callsBefore).toBeLessThan(users.length / 2);
    for (const [i, res] of got!.entries()) {
      expect(res.statusCode).toBe(200);
      const g = res.json().ranked;
      const w = want![i]!.json().ranked;
      expect(g.map((r: { id: string }) => r.id)).toEqual(w.map((r: { id: string }) => r.id));
      for (const [c, r] of g.entries()) expect(r.score).toBeCloseTo(w[c].score, 12);
    }
    const health = (await app.inject({ method: 'GET', url: '/health' })).json();
    expect(health.scorer).toMatchObject({ backend: 'wasm-simd', precision: 'float64' });
  });
});
