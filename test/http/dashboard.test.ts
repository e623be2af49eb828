import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../src/observability/metrics.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

const require = createRequire(import.meta.url);

describe('GET /dashboard', () => {
  it('is a page whose every script and style comes from this service, under a policy that holds it to that', async () => {
    const { app } = await testApp();
    const page = await app.inject({ method: 'GET', url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    const assets = refs.filter((r) => r.startsWith('/dashboard/'));
    expect(assets.length).toBe(5);
    // Everything else is a same-origin link or an inline data: icon; nothing names another host.
    for (const r of refs) expect(r.startsWith('/') || r === 'data:,').toBe(true);
    for (const url of assets) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      expect(res.body.length).toBeGreaterThan(1000);
    }
  });

  it('serves the vega bundles byte for byte from the installed packages', async () => {
    const { app } = await testApp();
    for (const [pkg, file] of [
      ['vega', 'vega.min.js'],
      ['vega-lite', 'vega-lite.min.js'],
      ['vega-embed', 'vega-embed.min.js'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: `/dashboard/vendor/${file}` });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(readFileSync(join(dirname(require.resolve(pkg)), file)))).toBe(true);
    }
    const other = await app.inject({ method: 'GET', url: '/dashboard/vendor/..%2Fpackage.json' });
    expect(other.statusCode).toBe(404);
  });
});

describe('GET /evaluation series and GET /metrics/live', () => {
  it('answers a per-hour series of the decisions and says whether the log is on', async () => {
    let now = Date.parse('2026-11-24T09:30:00Z');
    const { app } = await testApp({}, { clock: () => now });
    for (let i = 0; i < 4; i++) {
      const r = (await app.inject({ method: 'POST', url: '/recommend', payload: scoreBody(`u${i}`) })).json();
      await app.inject({
        method: 'POST',
        url: '/reward/egreedy',
        payload: { user_id: `u${i}`, reward: 1, event_id: r.event_id, candidate_id: r.chosen.id },
      });
      now += 40 * 60_000;
    }
    const body = (await app.inject({ method: 'GET', url: '/evaluation?bucket=hour' })).json();
    expect(body).toMatchObject({ decision_log: true, series_bucket: 'hour', decisions: 4, rewarded: 4 });
    const logged = body.series.filter((s: { policy: string }) => s.policy === 'egreedy_v1');
    // 09:30, 10:10, 10:50, 11:30
    expect(logged.map((s: { start: string; n: number }) => [s.start, s.n])).toEqual([
      ['2026-11-24T09:00:00.000Z', 1],
      ['2026-11-24T10:00:00.000Z', 2],
      ['2026-11-24T11:00:00.000Z', 1],
    ]);
    const daily = (await app.inject({ method: 'GET', url: '/evaluation' })).json();
    expect(daily.series_bucket).toBe('day');
    expect(daily.series.filter((s: { policy: string }) => s.policy === 'egreedy_v1')).toHaveLength(1);
    const bad = await app.inject({ method: 'GET', url: '/evaluation?bucket=week' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['query', 'bucket']);

    const off = await testApp({ DECISION_LOG: '0' });
    expect((await off.app.inject({ method: 'GET', url: '/evaluation' })).json().decision_log).toBe(false);
  });

  it('counts answered scores and rewards per second with their p99, and names the backends', async () => {
    let now = 1_800_000_000_000;
    const metrics = new ServiceMetrics({ processMetrics: false, clock: () => now });
    const { app } = await testApp({}, { metrics });
    for (let i = 0; i < 6; i++) {
      const r = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody(`u${i}`) })).json();
      if (i < 3) {
        await app.inject({
          method: 'POST',
          url: '/reward',
          payload: { user_id: `u${i}`, reward: 1, event_id: r.event_id, candidate_id: r.chosen.id },
        });
      }
    }
    // Rejected requests are not served scores.
    await app.inject({ method: 'POST', url: '/score', payload: { user_id: 'u1' } });
    now += 2000;
    const live = (await app.inject({ method: 'GET', url: '/metrics/live' })).json();
    expect(live).toMatchObject({
      window_s: 2,
      per_second: { score: 3, reward: 1.5 },
      scorer: { backend: expect.any(String), precision: expect.any(String) },
      state_backend: 'lmdb',
      decision_log: true,
      nats: false,
    });
    expect(live.p99_ms.score).toBeGreaterThan(0);
    expect(live.p99_ms.reward).toBeGreaterThan(0);
  });
});
