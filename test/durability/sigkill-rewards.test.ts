import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { posterior, rankOneUpdate, ridgeIdentity } from '../../kernels/reference/mod.js';
import { featureMatrix } from '../../src/features/mod.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROUNDS = 10;
const CLIENTS = 16;
const USERS = 8;
const D = 7; // egreedy_v1
const TZ = 'America/New_York';

interface Candidate {
  id: string;
  priority: number;
  created_at: string;
  due_at: string | null;
}

/** One reward a client sent, with what the service must have learnt from it. */
interface Sent {
  readonly user: string;
  readonly x: Float64Array;
  readonly reward: number;
  /** The body, so an unacknowledged reward can be sent again after the restart. */
  readonly body: Record<string, unknown>;
  acked: boolean;
}

function candidatesFor(client: number, i: number): Candidate[] {
  return [0, 1, 2].map((j) => ({
    id: `c${client}-${i}-${j}`,
    priority: (client + i + j) % 5,
    created_at: new Date(Date.UTC(2026, 9, 1 + ((i * 7 + j) % 50), j * 5)).toISOString(),
    due_at: j === 1 ? null : new Date(Date.UTC(2026, 10, 1 + ((client + i) % 40), 12)).toISOString(),
  }));
}

function featuresOf(now: string, c: Candidate): Float64Array {
  const x = featureMatrix({ now: Date.parse(now), timezone: TZ, profile: null }, [
    {
      priority: c.priority,
      createdAt: Date.parse(c.created_at),
      dueAt: c.due_at === null ? null : Date.parse(c.due_at),
    },
  ]);
  return x.slice(0, D);
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** θ of λI + Σxxᵀ, Σr·x over the given rewards, in float64 (the reference kernels). */
function referenceTheta(rewards: readonly Sent[]): Float64Array {
  const a = ridgeIdentity(D, 1);
  const b = new Float64Array(D);
  for (const s of rewards) rankOneUpdate(a, b, s.x, s.reward, D);
  return posterior(a, b, D).theta;
}

/**
 * One client: alternately a reward by event (score, then reward one of its candidates) and a reward by
 * value carrying an event_id (so that it too is idempotent and can be resent), until the server dies.
 */
async function client(base: string, round: number, c: number, sent: Sent[], alive: () => boolean) {
  const user = `user-${c % USERS}`;
  for (let i = 0; alive(); i++) {
    const cands = candidatesFor(c, round * 100_000 + i);
    const now = new Date(Date.UTC(2026, 10, 24, (c + i) % 24, (i * 7) % 60, i % 60)).toISOString();
    const reward = (((c * 31 + i * 17) % 21) - 10) / 10;
    const pick = cands[(c + i) % 3]!;
    let body: Record<string, unknown>;
    if (i % 2 === 0) {
      const scored = await post(`${base}/score/egreedy`, {
        user_id: user,
        now,
        timezone: TZ,
        candidates: cands,
      }).catch(connectionLost);
      if (scored === null) return; // the server died before the reward was sent: nothing was promised
      if (scored.status !== 200)
        throw new Error(`score answered ${scored.status} ${JSON.stringify(scored.json)}`);
      body = { user_id: user, reward, event_id: scored.json.event_id, candidate_id: pick.id };
    } else {
      body = { user_id: user, reward, candidate: pick, now, timezone: TZ, event_id: `v-${round}-${c}-${i}` };
    }
    const s: Sent = { user, x: featuresOf(now, pick), reward, body, acked: false };
    sent.push(s);
    const res = await post(`${base}/reward/egreedy`, body).catch(connectionLost);
    if (res === null) return;
    if (res.status !== 200 || res.json.applied !== true) {
      throw new Error(`reward answered ${res.status} ${JSON.stringify(res.json)}`);
    }
    s.acked = true;
  }
}

/** A request cut off by the kill: fetch fails, or the body ends early. Anything else is a failure. */
function connectionLost(err: unknown): null {
  const text = `${String(err)} ${String((err as { cause?: unknown }).cause)}`;
  if (/fetch failed|ECONNRESET|ECONNREFUSED|socket|terminated|other side closed|aborted/i.test(text))
    return null;
  throw err;
}

async function stats(base: string, user: string): Promise<{ n_updates: number; theta: number[] }> {
  const res = await fetch(`${base}/stats/egreedy/${user}`);
  return (await res.json()) as { n_updates: number; theta: number[] };
}

// lmdb (the default) with each FSYNC setting for all rounds; the file backend alternates them.
const CASES = [
  { backend: 'lmdb', fsync: (_round: number) => '0' },
  { backend: 'lmdb', fsync: (_round: number) => '1' },
  { backend: 'file', fsync: (round: number) => (round % 2 === 0 ? '1' : '0') },
] as const;

describe.each(CASES)('SIGKILL under concurrent scores and rewards, STATE_BACKEND=$backend', (c) => {
  it(`${ROUNDS} rounds × ${CLIENTS} clients (FSYNC ${c.fsync(0)}/${c.fsync(1)}): every acknowledged update and decision survives, nothing is applied twice`, async () => {
    const dir = tempDir();
    const sent: Sent[] = [];
    let totalAcked = 0;
    let totalUnacked = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const server = await spawnServer({
        STATE_BACKEND: c.backend,
        STATE_DIR: dir,
        FSYNC: c.fsync(round),
        METRICS_PROCESS: '0',
      });
      const users = [...new Set(sent.map((s) => s.user))];

      // After the previous kill: at least every acknowledged update, at most every sent one.
      for (const user of users) {
        const mine = sent.filter((s) => s.user === user);
        const acked = mine.filter((s) => s.acked).length;
        const { n_updates } = await stats(server.url, user);
        expect(n_updates, `round ${round} ${user}: acknowledged ${acked}`).toBeGreaterThanOrEqual(acked);
        expect(n_updates, `round ${round} ${user}: sent ${mine.length}`).toBeLessThanOrEqual(mine.length);
      }
      // Send the unacknowledged ones again: idempotency applies each exactly once in all.
      for (const s of sent.filter((x) => !x.acked)) {
        const res = await post(`${server.url}/reward/egreedy`, s.body);
        expect(res.status, JSON.stringify(res.json)).toBe(200);
        s.acked = true;
      }
      for (const user of users) {
        const mine = sent.filter((s) => s.user === user);
        const got = await stats(server.url, user);
        expect(got.n_updates, `round ${round} ${user}`).toBe(mine.length);
        const want = referenceTheta(mine);
        for (let k = 0; k < D; k++) {
          expect(Math.abs(got.theta[k]! - want[k]!), `θ[${k}] ${user}`).toBeLessThanOrEqual(
            1e-9 * Math.max(1, Math.abs(want[k]!)),
          );
        }
      }

      // Traffic, then SIGKILL mid-stream.
      const before = sent.length;
      let alive = true;
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        client(server.url, round, c, sent, () => alive),
      );
      // Kill once traffic is flowing (every client has sent a few), at a varying point after that.
      const deadline = Date.now() + 20_000;
      while (sent.length - before < CLIENTS * 4 && Date.now() < deadline) await sleep(5);
      expect(sent.length - before, 'rewards sent before the kill').toBeGreaterThanOrEqual(CLIENTS * 4);
      await sleep((round * 37) % 120);
      await server.kill('SIGKILL');
      alive = false;
      await Promise.all(clients);
      const fresh = sent.slice(before);
      totalAcked += fresh.filter((s) => s.acked).length;
      totalUnacked += fresh.filter((s) => !s.acked).length;
    }
    // The kills did land mid-stream: some rewards were in flight.
    expect(totalUnacked).toBeGreaterThan(0);
    expect(totalAcked).toBeGreaterThan(ROUNDS * CLIENTS);
  }, 420_000);
});
