import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ReferenceScorer } from '../../src/scoring/reference-scorer.js';
import type { ScoreJob, Scorer } from '../../src/scoring/scorer.js';
import { FileStateStore } from '../../src/state/file-store.js';
import type { DocKey, StateStore } from '../../src/state/state-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

/** Holds every call until `open()`, so a test decides exactly how many jobs are in flight. */
class Gate {
  private waiters: (() => void)[] = [];
  private opened = false;
  get held(): number {
    return this.waiters.length;
  }
  wait(): Promise<void> {
    if (this.opened) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }
}

/** The real reference scorer behind a gate. */
class GatedScorer implements Scorer {
  readonly backend = 'gated-reference';
  readonly precision = 'float64' as const;
  private readonly inner = new ReferenceScorer(1);
  constructor(readonly gate: Gate) {}
  async score(job: ScoreJob): Promise<Float64Array> {
    await this.gate.wait();
    return this.inner.score(job);
  }
  async close(): Promise<void> {}
}

/** The real file store whose writes wait at a gate: a disk that has stalled. */
class GatedStore implements StateStore {
  readonly kind = 'gated-file';
  constructor(
    private readonly inner: FileStateStore,
    readonly gate: Gate,
  ) {}
  load(key: DocKey) {
    return this.inner.load(key);
  }
  async save(key: DocKey, value: unknown, rev: number | null) {
    await this.gate.wait();
    return this.inner.save(key, value, rev);
  }
  delete(key: DocKey) {
    return this.inner.delete(key);
  }
  quarantine(key: DocKey, reason: string) {
    return this.inner.quarantine(key, reason);
  }
  healthy() {
    return this.inner.healthy();
  }
  close() {
    return this.inner.close();
  }
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function gauge(app: FastifyInstance, name: string, pool: string): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const m = new RegExp(`^${name}\\{pool="${pool}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function expectOverloaded(res: LightMyRequestResponse, retryAfter: string): void {
  expect(res.statusCode, res.body).toBe(503);
  expect(res.headers['retry-after']).toBe(retryAfter);
  expect(res.json()).toEqual({ error: 'overloaded', message: expect.any(String) });
}

describe('bounded admission', () => {
  it('runs MAX_INFLIGHT scores, queues MAX_QUEUE, refuses the next with 503 and Retry-After', async () => {
    const gate = new Gate();
    const { app } = await testApp(
      {
        MAX_INFLIGHT: '2',
        MAX_QUEUE: '1',
        RETRY_AFTER_S: '3',
        QUEUE_TIMEOUT_MS: '60000',
        METRICS_PROCESS: '0',
      },
      { scorer: new GatedScorer(gate) },
    );
    const score = (user: string) =>
      app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody(user) });

    const admitted = [score('a'), score('b')];
    await until(() => gate.held === 2, 'two scores in the scorer');
    const queued = score('c');
    await until(async () => (await gauge(app, 'bandit_admission_queued', 'score')) === 1, 'one queued');
    expect(await gauge(app, 'bandit_admission_inflight', 'score')).toBe(2);

    expectOverloaded(await score('d'), '3');
    // Rewards have their own pool: a full scoring queue does not refuse them.
    const reward = await app.inject({
      method: 'POST',
      url: '/reward/egreedy',
      payload: { user_id: 'r', reward: 1, candidate: CANDIDATES[0] },
    });
    expect(reward.statusCode, reward.body).toBe(200);

    gate.open();
    for (const res of await Promise.all([...admitted, queued])) expect(res.statusCode, res.body).toBe(200);
    // Capacity is back once the work is done.
    expect((await score('e')).statusCode).toBe(200);
    expect(await gauge(app, 'bandit_admission_inflight', 'score')).toBe(0);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^bandit_overload_rejections_total\{pool="score"\} 1$/m);
  });

  it('refuses rewards past the queue while the store is stalled, and loses none it admitted', async () => {
    const gate = new Gate();
    const dir = tempDir();
    const store = new GatedStore(
      new FileStateStore({ dir, fsync: false, log: pino({ level: 'silent' }) }),
      gate,
    );
    const { app } = await testApp(
      { STATE_DIR: dir, MAX_INFLIGHT: '3', MAX_QUEUE: '2', QUEUE_TIMEOUT_MS: '60000', METRICS_PROCESS: '0' },
      { store },
    );
    const reward = (user: string) =>
      app.inject({
        method: 'POST',
        url: '/reward',
        payload: { user_id: user, reward: 0.5, candidate: CANDIDATES[1], now: '2026-11-24T09:30:00Z' },
      });
    const admitted = ['u1', 'u2', 'u3'].map(reward);
    await until(() => gate.held === 3, 'three writes at the stalled store');
    const waiting = ['u4', 'u5'].map(reward);
    await until(async () => (await gauge(app, 'bandit_admission_queued', 'reward')) === 2, 'two queued');
    for (let i = 0; i < 5; i++) expectOverloaded(await reward(`x${i}`), '1');
    // Scoring stays available while rewards are refused.
    expect((await app.inject({ method: 'POST', url: '/score', payload: scoreBody('s') })).statusCode).toBe(
      200,
    );

    gate.open();
    for (const res of await Promise.all([...admitted, ...waiting])) {
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().n_updates).toBe(1);
    }
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5', 'x0']) {
      const stats = (await app.inject({ method: 'GET', url: `/stats/${user}` })).json();
      expect(stats.n_updates, user).toBe(user.startsWith('x') ? 0 : 1);
    }
  });

  it('gives the slot back when a client disconnects, so abandoned requests do not leak capacity', async () => {
    const gate = new Gate();
    const { app } = await testApp(
      { MAX_INFLIGHT: '1', MAX_QUEUE: '0', METRICS_PROCESS: '0' },
      { scorer: new GatedScorer(gate) },
    );
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const send = (user: string, signal?: AbortSignal) =>
      fetch(`${address}/score/egreedy`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(scoreBody(user)),
        signal,
      });
    const abort = new AbortController();
    const abandoned = send('a', abort.signal).catch((err: unknown) => err);
    await until(() => gate.held === 1, 'the first request in the scorer');
    const refused = await send('b');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    abort.abort();
    expect(await abandoned).toBeInstanceOf(Error);
    await until(async () => (await gauge(app, 'bandit_admission_inflight', 'score')) === 0, 'slot back');
    const next = send('c');
    await until(() => gate.held === 2, 'the next request admitted');
    gate.open();
    expect((await next).status).toBe(200);
  });

  it('rejects an unusable limit at start, naming the variable', async () => {
    await expect(testApp({ MAX_INFLIGHT: '0' })).rejects.toThrow(/MAX_INFLIGHT/);
  });
});
