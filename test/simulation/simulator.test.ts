import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { simulate, type Transport } from '../../src/simulation/mod.js';
import { testApp } from '../helpers/test-app.js';

function inject(app: FastifyInstance): Transport {
  return async (method, url, payload) => {
    const res = await app.inject({ method, url, payload: payload as object | undefined });
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
}

describe('the simulator against the real service (in-process HTTP)', () => {
  it('LinUCB learns: its regret over 5,000 rounds is sublinear and far below uniform random', async () => {
    const { app } = await testApp({ ACTIVE_POLICY: 'linucb_v1', SHADOW_POLICIES: '' });
    const r = await simulate({
      transport: inject(app),
      rounds: 5000,
      users: 10,
      k: 5,
      seed: 11,
    });
    const lin = r.outcomes.find((o) => o.policy === 'linucb_v1')!;
    const rnd = r.outcomes.find((o) => o.policy === 'uniform_random')!;
    expect(r.active).toBe('linucb_v1');
    expect(lin.secondHalf).toBeLessThan(0.6 * lin.firstHalf);
    expect(lin.regret).toBeLessThan(0.3 * rnd.regret);
    // Random's regret is linear: its halves are alike.
    expect(rnd.secondHalf / rnd.firstHalf).toBeGreaterThan(0.8);
  }, 120_000);
});
