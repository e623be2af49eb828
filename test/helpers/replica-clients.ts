import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { expect, onTestFinished } from 'vitest';
import { FEATURE_WIDTH, featureMatrix } from '../../src/features/mod.js';
import type { NatsServer } from './nats-server.js';
import { numpy } from './numpy.js';
import { tempDir } from './temp-dir.js';
import { CANDIDATES } from './test-app.js';

/** Shared by the replica tests: clients that retry on 503, the reference check, the cluster's leader. */

export const D = 5;
export const MAX_STALENESS_MS = 500;
export const USERS = Array.from({ length: 20 }, (_, i) => `user.${i}@example:x`);

export interface Acked {
  readonly user: string;
  readonly key: string;
  readonly x: number[];
  readonly reward: number;
}

export function replicaEnv(urls: string, replicas: number): Record<string, string> {
  return {
    STATE_BACKEND: 'nats-kv',
    NATS_KV_URL: urls,
    NATS_KV_REPLICAS: String(replicas),
    NATS_KV_TIMEOUT_MS: '2000',
    NATS_KV_MAX_STALENESS_MS: String(MAX_STALENESS_MS),
    STATE_DIR: tempDir(),
    EGREEDY_SEED: '1',
  };
}

/** The service's JSON answers, checked field by field by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Json = any;

/**
 * POSTs until the service answers something other than 503 (or the connection fails), for up to 60 s:
 * what a client does. Bounded by time, not by tries: on a loaded machine a cluster can take longer
 * than 150 quick tries to elect a leader again after a node comes back.
 */
export async function post(
  base: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Json }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      if (res.status !== 503 || Date.now() >= deadline) return { status: res.status, json };
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await sleep(100);
  }
}

export async function getJson(url: string): Promise<Json> {
  return (await fetch(url)).json();
}

export function scoreRequest(user: string, minute: number) {
  const now = new Date(Date.parse('2026-11-24T06:00:00Z') + minute * 60_000).toISOString();
  return { user_id: user, now, timezone: 'Europe/Berlin', candidates: CANDIDATES };
}

/** The d=5 vector the service learns from for candidate `index` of that request. */
export function vectorOf(req: ReturnType<typeof scoreRequest>, index: number): number[] {
  const x = featureMatrix(
    { now: Date.parse(req.now), timezone: req.timezone, profile: null },
    req.candidates.map((c) => ({
      priority: c.priority,
      createdAt: Date.parse(c.created_at),
      dueAt: c.due_at ? Date.parse(c.due_at) : null,
    })),
  );
  return Array.from(x.subarray(index * FEATURE_WIDTH, index * FEATURE_WIDTH + D));
}

/** How long a replica's copy may take to show what another replica acknowledged, on a loaded machine. */
const CONVERGE_MS = 10_000;

/** Every user's θ and n_updates against the numpy reference of exactly the acknowledged updates. */
export async function expectReference(base: string, acked: Acked[], users = USERS): Promise<void> {
  for (const user of users) {
    const mine = acked.filter((a) => a.user === user);
    // A replica's hot copy may lag by the watch's delay, which a loaded machine stretches: wait for the
    // state to converge (a lost update never does), and say when it took longer than the bound.
    const started = Date.now();
    let stats = await getJson(`${base}/stats/${user}`);
    while (stats.n_updates !== mine.length && Date.now() - started < CONVERGE_MS) {
      await sleep(100);
      stats = await getJson(`${base}/stats/${user}`);
    }
    const waited = Date.now() - started;
    if (waited >= 100) console.info(`${base} ${user}: took ${waited} ms to show every acknowledged reward`);
    expect(stats.n_updates, user).toBe(mine.length);
    const theta = referenceTheta(acked, user, mine);
    for (let i = 0; i < D; i++) expect(stats.theta[i]).toBeCloseTo(theta[i]!, 9);
    expect(stats.total_reward).toBeCloseTo(
      mine.reduce((s, a) => s + a.reward, 0),
      9,
    );
  }
}

/**
 * numpy's θ of exactly these updates, computed once per acknowledged set and user (both replicas are
 * checked against the same one: a python start per user and replica made a loaded run time out). With no
 * update θ is 0 (A = λI, b = 0), no oracle needed.
 */
const references = new WeakMap<Acked[], Map<string, number[]>>();
function referenceTheta(acked: Acked[], user: string, mine: Acked[]): number[] {
  if (mine.length === 0) return Array.from({ length: D }, () => 0);
  const byUser = references.get(acked) ?? new Map<string, number[]>();
  references.set(acked, byUser);
  const key = `${user}\u0000${mine.length}`;
  let theta = byUser.get(key);
  if (!theta) {
    theta = numpy<{ theta: number[] }>('bandit.py', {
      d: D,
      lambda: 1,
      alpha: 1,
      updates: mine.map((a) => [...a.x, a.reward]),
      queries: [],
    }).theta;
    byUser.set(key, theta);
  }
  return theta;
}

export async function streamLeader(nodes: NatsServer[], stream: string): Promise<number> {
  const nc = await connect({ servers: nodes.map((n) => n.url) });
  onTestFinished(() => nc.close());
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return Number(info.cluster?.leader?.replace(/^n/, '')) - 1;
}

/**
 * One client step of the load tests: score `user` on `scorer`, then reward the candidate at `index`
 * (a reward in [-1, 1] fixed by `n`) on every one of `targets`, as a retrying client behind a
 * balancer might. Each answer must be 200 and the reward applied at most once across them.
 */
export async function scoreThenReward(
  scorer: { url: string },
  targets: readonly { url: string }[],
  user: string,
  n: number,
  index: number,
): Promise<Acked> {
  const req = scoreRequest(user, n);
  const scored = await post(scorer.url, '/score', req);
  expect(scored.status, JSON.stringify(scored.json)).toBe(200);
  const reward = ((n * 37) % 21) / 10 - 1;
  const body = { user_id: user, reward, event_id: scored.json.event_id, candidate_id: CANDIDATES[index]!.id };
  const answers = await Promise.all(targets.map((r) => post(r.url, '/reward', body)));
  for (const a of answers) expect(a.status, JSON.stringify(a.json)).toBe(200);
  // Applied exactly once across the replicas (a 503 retried after its write landed answers false).
  expect(
    answers.filter((a) => a.json.applied).length,
    `n=${n} ${JSON.stringify(answers)}`,
  ).toBeLessThanOrEqual(1);
  return { user, key: body.event_id, x: vectorOf(req, index), reward };
}
