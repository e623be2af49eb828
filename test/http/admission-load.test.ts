import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Scorer } from '../../src/scoring/scorer.js';
import { SlowScorer } from '../helpers/slow-scorer.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

async function listen(env: Record<string, string>, scorer: Scorer) {
  const { app } = await testApp({ METRICS_PROCESS: '0', ...env }, { scorer });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const score = async (user: string) => {
    const res = await fetch(`${url}/score/egreedy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(scoreBody(user)),
    });
    const body = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
  };
  const metric = async (re: RegExp) => {
    const m = re.exec(await (await fetch(`${url}/metrics`)).text());
    return m ? Number(m[1]) : 0;
  };
  return { app, url, score, metric };
}

describe('admission under load (real server, real client on loopback)', () => {
  it('absorbs a burst below capacity: every request of it is served', async () => {
    // 48 at once, 4 at a time, 5 ms each: drains in ~60 ms, far inside the 10 s wait bound.
    const { score, metric } = await listen(
      { MAX_INFLIGHT: '4', MAX_QUEUE: '64', QUEUE_TIMEOUT_MS: '10000' },
      new SlowScorer(5),
    );
    const answers = await Promise.all(Array.from({ length: 48 }, (_, i) => score(`b${i}`)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(await metric(/^bandit_admission_admitted_total\{pool="score"\} (\S+)$/m)).toBe(48);
    // Most waited: the burst was queued, not refused.
    expect(await metric(/^bandit_admission_queue_delay_seconds_count\{pool="score"\} (\S+)$/m)).toBe(48);
  });

  it('refuses under sustained excess (503, Retry-After, contract body) and admits again when it ends', async () => {
    // Capacity 2 / 20 ms = 100/s; 40 closed-loop clients would each wait ~400 ms > the 100 ms bound.
    const { score, metric } = await listen(
      { MAX_INFLIGHT: '2', MAX_QUEUE: '256', QUEUE_TIMEOUT_MS: '100', RETRY_AFTER_S: '2' },
      new SlowScorer(20),
    );
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof score>> | undefined;
    const until = Date.now() + 1500;
    await Promise.all(
      Array.from({ length: 40 }, async (_, c) => {
        while (Date.now() < until) {
          const a = await score(`c${c}`);
          statuses.push(a.status);
          if (a.status === 503) refusal ??= a;
        }
      }),
    );
    const served = statuses.filter((s) => s === 200).length;
    const refused = statuses.filter((s) => s === 503).length;
    expect(served + refused).toBe(statuses.length);
    expect(refused).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(0);
    expect(refusal?.retryAfter).toBe('2');
    expect(JSON.parse(refusal!.body)).toEqual({ error: 'overloaded', message: expect.any(String) });
    expect(
      await metric(/^bandit_admission_refused_total\{pool="score",reason="queue_timeout"\} (\S+)$/m),
    ).toBe(refused);

    // The excess has ended: one client at a time is served, every time.
    for (let i = 0; i < 10; i++) expect((await score(`after${i}`)).status).toBe(200);
    expect(
      await metric(/^bandit_admission_refused_total\{pool="score",reason="queue_timeout"\} (\S+)$/m),
    ).toBe(refused);
  });

  it('answers /health and /metrics from their own pool while scoring refuses', async () => {
    const { url, score, metric } = await listen(
      { MAX_INFLIGHT: '1', MAX_QUEUE: '0', QUEUE_TIMEOUT_MS: '100' },
      new SlowScorer(300),
    );
    const busy = score('hold');
    while ((await metric(/^bandit_admission_inflight\{pool="score"\} (\S+)$/m)) < 1) await sleep(5);
    expect((await score('x')).status).toBe(503);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await busy).status).toBe(200);
  });
});
