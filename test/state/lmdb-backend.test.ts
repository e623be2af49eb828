import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openLmdbBackend } from '../../src/state/lmdb-backend.js';
import { uuidv7Floor } from '../../src/state/lmdb-scored-events.js';
import { decodeScoredEvent, encodeScoredEvent } from '../../src/state/scored-event-codec.js';
import type { ScoredEvent } from '../../src/state/scored-event-journal.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const silent = pino({ level: 'silent' });

/** A UUIDv7 whose timestamp is `ms` (the service's ids come from the real clock; tests move a fake one). */
function uuidv7At(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
  const v = `${hex.slice(0, 12)}7${hex.slice(13, 16)}${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 32)}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`;
}

function decisionAt(t: number, k = 20, width = 7): ScoredEvent {
  const x = new Float64Array(k * width);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i + t) * 1e3;
  return {
    id: uuidv7At(t),
    t,
    user: `user-${t % 97}`,
    origin: 'score',
    policy: 'egreedy_v1',
    policies: ['egreedy_v1'],
    chosen: 'task-3',
    ids: Array.from({ length: k }, (_, i) => `task-${i}`),
    x,
    width,
  };
}

describe('decision codec', () => {
  it('round-trips every field, float64 rows bit for bit', () => {
    const policy = fc.constantFrom('linucb_v1', 'egreedy_v1', 'egreedy_v2' as const);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 12 }),
        // Columns of every encoding the codec picks: arbitrary doubles, small integers (and -0, which
        // must stay -0), and columns constant over the rows.
        fc.array(
          fc.oneof(
            fc.double(),
            fc.integer({ min: -130, max: 130 }),
            fc.constantFrom(0, -0, 127, 128, -128, -129, 0.5, 0.25, 0.75, -2.5, 1 / 3, 1e-300),
          ),
          { minLength: 360, maxLength: 360 },
        ),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.string({ maxLength: 64 }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 30, maxLength: 30 }),
        policy,
        fc.uniqueArray(policy, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (k, width, values, constantColumns, user, ids, p, ps, recommend) => {
          const x = Float64Array.from(values.slice(0, k * width));
          for (let j = 0; j < width; j++)
            if (constantColumns[j]) for (let r = 1; r < k; r++) x[r * width + j] = x[j]!;
          const d: ScoredEvent = {
            id: uuidv7At(1_764_000_000_000),
            t: 1_764_000_000_123.5,
            user,
            origin: recommend ? 'recommend' : 'score',
            policy: p,
            policies: ps,
            chosen: ids[0]!,
            ids: ids.slice(0, k),
            x,
            width,
          };
          const back = decodeScoredEvent(d.id, encodeScoredEvent(d));
          expect(back).not.toBeNull();
          expect({ ...back!, x: null }).toEqual({ ...d, x: null });
          expect(Buffer.from(back!.x.buffer).equals(Buffer.from(x.buffer))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uuidv7Floor sorts below every id of that millisecond and above every earlier one', () => {
    const t = 1_764_000_000_000;
    expect(uuidv7At(t) > uuidv7Floor(t)).toBe(true);
    expect(uuidv7At(t - 1) < uuidv7Floor(t)).toBe(true);
  });
});

describe('lmdb expiry', () => {
  it('decisions past the window answer 404 over HTTP', async () => {
    let now = Date.now();
    const { app } = await testApp({ REWARD_WINDOW_S: '60' }, { clock: () => now });
    const scored = (await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })).json();
    const reward = { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 't1' };
    now += 61_000;
    const res = await app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('event_not_found');
  });

  it('removes decisions and keys past the window in chunks, and the file stops growing', async () => {
    const dir = tempDir();
    const windowMs = 60_000;
    let now = 1_764_000_000_000;
    const backend = await openLmdbBackend({
      dir,
      fsync: false,
      mapSizeMb: 0,
      windowMs,
      decisionCacheBytes: 1 << 20,
      clock: () => now,
      log: silent,
      importSeedFiles: false,
    });
    const { env, decisions, store } = backend;
    const sizes: number[] = [];
    let lastId = '';
    for (let round = 0; round < 16; round++) {
      const batch = Array.from({ length: 2_500 }, (_, i) => decisionAt(now + (i % 50)));
      await Promise.all(batch.map((d) => decisions.record(d)));
      await store.save({ user: `u${round}`, doc: 'egreedy_v1' }, { n: round }, null, [`e${round}:t1`]);
      lastId = batch.at(-1)!.id;
      now += windowMs + 1_000;
      await backend.expireOnce();
      expect(env.decisions.getCount(), `round ${round}`).toBe(0);
      expect(env.applied.getCount(), `round ${round}`).toBe(0);
      sizes.push(statSync(join(dir, 'lmdb', 'data.mdb')).size);
    }
    expect(await decisions.get(lastId)).toBeNull();
    // 16 × 2,500 decisions of ~1.3 KB would be ~50 MB kept; freed pages are reused instead.
    expect(sizes.at(-1)!).toBeLessThanOrEqual(sizes[2]! * 1.25);
    expect(sizes.at(-1)!).toBeLessThan(16 * 2_500 * 1_000);
    await backend.close();
  });

  it('keeps every idempotency key of the window, past the 1,000 a state file holds', async () => {
    const { app } = await testApp();
    const body = (i: number) => ({
      user_id: 'u1',
      reward: 0.5,
      candidate: CANDIDATES[0],
      now: '2026-11-24T09:30:00Z',
      event_id: `ev-${i}`,
    });
    for (let i = 0; i < 1_100; i++) {
      const res = await app.inject({ method: 'POST', url: '/reward/egreedy', payload: body(i) });
      expect(res.json().applied).toBe(true);
    }
    const again = await app.inject({ method: 'POST', url: '/reward/egreedy', payload: body(0) });
    expect(again.json()).toMatchObject({ applied: false, n_updates: 1_100 });
  });

  it('/reset forgets the state, the keys and the decisions of the user', async () => {
    const { app } = await testApp();
    const scored = (await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })).json();
    const byEvent = { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 't1' };
    const byValue = {
      user_id: 'u1',
      reward: 1,
      candidate: CANDIDATES[1],
      now: '2026-11-24T09:30:00Z',
      event_id: 'k',
    };
    expect(
      (await app.inject({ method: 'POST', url: '/reward/egreedy', payload: byValue })).json().applied,
    ).toBe(true);
    await app.inject({ method: 'POST', url: '/reset/u1' });
    expect((await app.inject({ method: 'GET', url: '/stats/egreedy/u1' })).json().n_updates).toBe(0);
    expect((await app.inject({ method: 'POST', url: '/reward/egreedy', payload: byEvent })).statusCode).toBe(
      404,
    );
    expect(
      (await app.inject({ method: 'POST', url: '/reward/egreedy', payload: byValue })).json(),
    ).toMatchObject({
      applied: true,
      n_updates: 1,
    });
  });
});
