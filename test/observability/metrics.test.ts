import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../src/observability/metrics.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

/** One series' value from the Prometheus text format, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.indexOf('}'));
    const got = Object.fromEntries(
      [...inner.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!] as const),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v))
      return Number(line.slice(line.indexOf('}') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('counts requests per route pattern, not per raw URL', async () => {
    const { app } = await testApp();
    for (const user of ['alice', 'bob', 'carol']) {
      const res = await app.inject({ method: 'GET', url: `/stats/egreedy/${user}` });
      expect(res.statusCode).toBe(200);
    }
    await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() });
    await app.inject({ method: 'GET', url: '/no/such/route' });

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    const count = (route: string, status: string, method = 'GET') =>
      sample(text, 'bandit_http_request_seconds_count', { route, status_code: status, method });
    expect(count('/stats/egreedy/:user_id', '200')).toBe(3);
    expect(count('/score/egreedy', '200', 'POST')).toBe(1);
    expect(count('unmatched', '404')).toBe(1);
    expect(text).not.toContain('alice');
    // A histogram: the +Inf bucket holds every observation.
    expect(
      sample(text, 'bandit_http_request_seconds_bucket', {
        route: '/stats/egreedy/:user_id',
        le: '+Inf',
      }),
    ).toBe(3);
  });

  it('shows the backend in use and the kernel calls the scorer reported', async () => {
    const { app } = await testApp();
    await app.inject({ method: 'POST', url: '/score', payload: scoreBody() });
    await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() });
    await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const { backend, precision } = (await app.inject({ method: 'GET', url: '/health' })).json().scorer;
    expect(sample(text, 'bandit_scorer_backend_info', { backend, precision })).toBe(1);
    // One request at a time: every kernel launch holds one job.
    expect(sample(text, 'bandit_kernel_batch_size_bucket', { kernel: 'BanditScoreGreedy', le: '1' })).toBe(2);
    expect(sample(text, 'bandit_kernel_batch_size_count', { kernel: 'BanditScoreUCB' })).toBe(1);
    expect(sample(text, 'bandit_kernel_batch_size_count', { kernel: 'BanditScoreGreedy' })).toBe(2);
    expect(sample(text, 'bandit_kernel_seconds_count', { kernel: 'BanditScoreGreedy' })).toBe(2);
    expect(sample(text, 'bandit_admission_inflight', { pool: 'score' })).toBe(0);
    expect(sample(text, 'bandit_admission_queued', { pool: 'reward' })).toBe(0);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    // The bounded caches report their sizes: one user, two policies scored.
    expect(sample(text, 'bandit_cache_entries', { cache: 'policy_states' })).toBe(2);
    expect(sample(text, 'bandit_cache_entries', { cache: 'decisions' })).toBe(3);
    // STATE_BACKEND=lmdb bounds its hot decisions in bytes (DECISION_CACHE_MB).
    expect(sample(text, 'bandit_cache_entries', { cache: 'decision_bytes' })).toBeGreaterThan(3 * 20 * 8);
    expect(sample(text, 'bandit_cache_entries', { cache: 'feature_ring_users' })).toBe(1);
  });

  it('exposes consumer counters that a consumer module can drive', async () => {
    const metrics = new ServiceMetrics({ processMetrics: false });
    const { app } = await testApp({}, { metrics });
    metrics.consumerProcessed('signals');
    metrics.consumerProcessed('signals');
    metrics.consumerError('feedback');
    metrics.observeKernel('BanditUpdate', 'test-backend', 64, 0.002);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(
      sample(text, 'bandit_consumer_messages_total', { consumer: 'signals', outcome: 'processed' }),
    ).toBe(2);
    expect(sample(text, 'bandit_consumer_messages_total', { consumer: 'feedback', outcome: 'error' })).toBe(
      1,
    );
    expect(
      sample(text, 'bandit_kernel_batch_size_bucket', {
        kernel: 'BanditUpdate',
        backend: 'test-backend',
        le: '32',
      }),
    ).toBe(0);
    expect(
      sample(text, 'bandit_kernel_batch_size_bucket', {
        kernel: 'BanditUpdate',
        backend: 'test-backend',
        le: '64',
      }),
    ).toBe(1);
  });

  it('keeps two apps in one process apart (no global registry)', async () => {
    const a = await testApp();
    const b = await testApp();
    await a.app.inject({ method: 'GET', url: '/stats/u1' });
    const textB = (await b.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(textB, 'bandit_http_request_seconds_count', { route: '/stats/:user_id' })).toBeUndefined();
  });
});

describe('requests the framework ends', () => {
  it('are counted and timed like the rest: 400 undecodable URL, 413, 415, 404', async () => {
    const { app } = await testApp({ BODY_LIMIT: '1024' });
    const bad = await app.inject({ method: 'GET', url: '/stats/%' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('bad_request');
    const big = await app.inject({
      method: 'POST',
      url: '/score',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(4096) }),
    });
    expect(big.statusCode).toBe(413);
    const text = await app.inject({
      method: 'POST',
      url: '/score',
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error).toBe('unsupported_media_type');
    await app.inject({ method: 'GET', url: '/nothing/here' });
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (route: string, status: string, method: string) =>
      sample(body, 'bandit_http_request_seconds_count', { route, status_code: status, method });
    expect(count('unmatched', '400', 'GET')).toBe(1);
    expect(count('/score', '413', 'POST')).toBe(1);
    expect(count('/score', '415', 'POST')).toBe(1);
    expect(count('unmatched', '404', 'GET')).toBe(1);
  });
});

describe('the exposition', () => {
  it('passes `promtool check metrics` (Prometheus naming rules), process metrics included', async () => {
    const { app } = await testApp({ METRICS_PROCESS: '1' });
    await app.inject({ method: 'POST', url: '/score', payload: scoreBody() });
    await app.inject({ method: 'GET', url: '/stats/%' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('nodejs_active_handles{');
    expect(text).toContain('process_resident_memory_bytes');
    const res = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(res.error, 'promtool (Debian package `prometheus`) must be installed').toBeUndefined();
    expect(`${res.stdout}${res.stderr}`.trim()).toBe('');
    expect(res.status).toBe(0);
  });
});
