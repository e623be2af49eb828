import { describe, expect, it } from 'vitest';
import { FEATURE_RING_SIZE, type FeatureChunk, FeatureRings } from '../../src/state/feature-ring.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

function chunk(n: number, k: number, stride = 3, d = 2): FeatureChunk {
  const x = new Float64Array(k * stride);
  for (let i = 0; i < x.length; i++) x[i] = n * 10_000 + i;
  return {
    ts: `t${n}`,
    policy: 'egreedy_v1',
    event_id: `e${n}`,
    ids: Array.from({ length: k }, (_, i) => `${n}-${i}`),
    x,
    stride,
    d,
  };
}

describe('FeatureRings', () => {
  it('keeps exactly the last 100 rows over pushes of any size, oldest first, d of each row', () => {
    const rings = new FeatureRings(10);
    const all: { id: string; x: number[] }[] = [];
    const sizes = [7, 1, 30, 45, 20, 150, 3, 99, 2];
    sizes.forEach((k, n) => {
      const c = chunk(n, k);
      rings.push('u', c);
      for (let i = 0; i < k; i++) all.push({ id: c.ids[i]!, x: [c.x[i * 3]!, c.x[i * 3 + 1]!] });
      const want = all.slice(-FEATURE_RING_SIZE);
      const got = rings.items('u');
      expect(got.map((g) => g.candidate_id)).toEqual(want.map((w) => w.id));
      expect(got.map((g) => g.x)).toEqual(want.map((w) => w.x));
    });
    expect(rings.items('nobody')).toEqual([]);
  });

  it('is bounded in users (LRU) and cleared by reset', async () => {
    const rings = new FeatureRings(2);
    rings.push('a', chunk(1, 1));
    rings.push('b', chunk(2, 1));
    rings.push('c', chunk(3, 1));
    expect(rings.users).toBe(2);
    expect(rings.items('a')).toEqual([]);
    rings.clear('b');
    expect(rings.items('b')).toEqual([]);
  });

  it('GET /features shows what was scored, over policies, with each policy’s d', async () => {
    const { app } = await testApp();
    const s1 = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody() })).json();
    const s2 = (
      await app.inject({
        method: 'POST',
        url: '/score/egreedy/v2',
        payload: scoreBody('u1', { profile_features: [0.2, 0, 1, 0.5, 0.1] }),
      })
    ).json();
    const items = (await app.inject({ method: 'GET', url: '/features/u1' })).json().items;
    expect(items.map((i: { event_id: string }) => i.event_id)).toEqual([
      ...Array(3).fill(s1.event_id),
      ...Array(3).fill(s2.event_id),
    ]);
    expect(items.map((i: { x: number[] }) => i.x.length)).toEqual([5, 5, 5, 12, 12, 12]);
    expect(items[3].x.slice(7)).toEqual([0.2, 0, 1, 0.5, 0.1]);
    expect(items[0].policy).toBe('linucb_v1');
  });
});
