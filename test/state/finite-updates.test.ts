import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PROFILE_FEATURE_MAX } from '../../src/contract/mod.js';
import { FileStateStore } from '../../src/state/file-store.js';
import { PolicyStateRepository, UnusableUpdateError } from '../../src/state/policy-state-repository.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, testApp } from '../helpers/test-app.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

describe('an update that would make a state unusable', () => {
  it('is refused with a 422-coded error, and neither the cached nor the stored state changes', async () => {
    const dir = tempDir();
    const log = pino({ level: 'silent' });
    const store = new FileStateStore({ dir, fsync: false, log });
    const states = new PolicyStateRepository(store, { lambda: 1, cacheSize: 10, log });
    const x = new Float64Array(12).fill(0.5);
    const ok = await states.apply('egreedy_v2', 'u1', {
      kind: 'reward',
      x,
      reward: 1,
      idempotencyKey: null,
      ts: 't',
    });
    expect(ok.applied).toBe(true);
    const before = await states.get('egreedy_v2', 'u1');
    const a = before.a.slice();
    const hostile = new Float64Array(12).fill(0.5);
    hostile[7] = 1e200; // xxᵀ overflows to Infinity
    await expect(
      states.apply('egreedy_v2', 'u1', {
        kind: 'reward',
        x: hostile,
        reward: 1,
        idempotencyKey: 'k',
        ts: 't2',
      }),
    ).rejects.toBeInstanceOf(UnusableUpdateError);
    const after = await states.get('egreedy_v2', 'u1');
    expect(after.nUpdates).toBe(1);
    expect(Array.from(after.a)).toEqual(Array.from(a));
    expect(after.appliedSet?.has('k') ?? false).toBe(false);
    // What is on disk is what was there before (and it loads).
    const fresh = new PolicyStateRepository(store, { lambda: 1, cacheSize: 10, log });
    expect((await fresh.get('egreedy_v2', 'u1')).nUpdates).toBe(1);
    expect(readdirSync(dir).some((f) => f.includes('corrupt') || f.includes('aside'))).toBe(false);
    expect(existsSync(join(dir, 'u1_egreedy_v2.json'))).toBe(true);
    await store.close();
  });
});

describe('any sequence of accepted rewards', () => {
  it('leaves the state usable: every later /stats, /score and /reward answers, never 500', async () => {
    const feature = fc.oneof(
      fc.double({ min: -PROFILE_FEATURE_MAX, max: PROFILE_FEATURE_MAX, noNaN: true }),
      fc.constantFrom(PROFILE_FEATURE_MAX, -PROFILE_FEATURE_MAX, 0, 1e-300, -1e-300),
    );
    const reward = fc.record({
      profile: fc.array(feature, { minLength: 5, maxLength: 5 }),
      r: fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom(-1, 1)),
      candidate: fc.integer({ min: 0, max: CANDIDATES.length - 1 }),
    });
    const { app } = await testApp();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(reward, { minLength: 1, maxLength: 25 }), async (seq) => {
        const user = `p${run++}`;
        for (const step of seq) {
          const res = await app.inject({
            method: 'POST',
            url: '/reward/egreedy/v2',
            payload: {
              user_id: user,
              reward: step.r,
              candidate: CANDIDATES[step.candidate],
              now: '2026-11-24T09:30:00Z',
              profile_features: step.profile,
            },
          });
          expect([200, 422], res.body).toContain(res.statusCode);
        }
        const stats = await app.inject({ method: 'GET', url: `/stats/egreedy/v2/${user}` });
        expect(stats.statusCode, stats.body).toBe(200);
        expect(stats.json().theta.every(Number.isFinite)).toBe(true);
        const score = await app.inject({
          method: 'POST',
          url: '/score/egreedy/v2',
          payload: {
            user_id: user,
            now: '2026-11-24T09:30:00Z',
            candidates: CANDIDATES,
            profile_features: [PROFILE_FEATURE_MAX, -PROFILE_FEATURE_MAX, 0, 1, -1],
          },
        });
        expect(score.statusCode, score.body).toBe(200);
        expect(score.json().ranked.every((r: { score: number }) => Number.isFinite(r.score))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
