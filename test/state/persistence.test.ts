import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logCapture } from '../helpers/log-capture.js';
import { numpy } from '../helpers/numpy.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const T0 = Date.parse('2026-03-20T00:00:00Z');

describe.each(['lmdb', 'file'] as const)('durable per-user state, STATE_BACKEND=%s', (backend) => {
  it('1,000 rewards by value survive a restart and θ matches numpy to 1e-9', async () => {
    const dir = tempDir();
    // Random candidates and instants around the Berlin DST switch, each rebuilt by the python oracle.
    const rewards = fc.sample(
      fc.record({
        now: fc.integer({ min: T0, max: T0 + 20 * 86_400_000 }),
        age: fc.integer({ min: 0, max: 60 * 86_400_000 }),
        due: fc.option(fc.integer({ min: -5 * 86_400_000, max: 5 * 86_400_000 }), { nil: null }),
        priority: fc.integer({ min: 0, max: 4 }),
        reward: fc.constantFrom(-1, 0, 0.5, 1),
        profile: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
      }),
      { seed: 11, numRuns: 1000 },
    );
    const iso = (t: number) => new Date(t).toISOString();
    {
      const { app } = await testApp({ STATE_BACKEND: backend, STATE_DIR: dir });
      for (const r of rewards) {
        const res = await app.inject({
          method: 'POST',
          url: '/reward/egreedy/v2',
          payload: {
            user_id: 'u1',
            reward: r.reward,
            now: iso(r.now),
            timezone: 'Europe/Berlin',
            profile_features: r.profile,
            candidate: {
              id: 'c',
              priority: r.priority,
              created_at: iso(r.now - r.age),
              due_at: r.due === null ? null : iso(r.now + r.due),
            },
          },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
      await app.close();
    }
    const rows = numpy<number[][]>(
      'features.py',
      rewards.map((r) => ({
        now: iso(r.now),
        tz: 'Europe/Berlin',
        created_at: iso(r.now - r.age),
        due_at: r.due === null ? null : iso(r.now + r.due),
        priority: r.priority,
        profile: r.profile,
      })),
    );
    const want = numpy<{ theta: number[] }>('bandit.py', {
      d: 12,
      lambda: 1,
      alpha: 1,
      updates: rows.map((x, i) => [...x, rewards[i]!.reward]),
      queries: [],
    });

    const { app } = await testApp({ STATE_BACKEND: backend, STATE_DIR: dir });
    const stats = (await app.inject({ method: 'GET', url: '/stats/egreedy/v2/u1' })).json();
    expect(stats.n_updates).toBe(1000);
    for (let i = 0; i < 12; i++) {
      const w = want.theta[i]!;
      expect(Math.abs(stats.theta[i] - w) / Math.max(Math.abs(w), 1e-6)).toBeLessThan(1e-9);
    }
    if (backend !== 'file') return;
    const file = JSON.parse(readFileSync(join(dir, 'u1_egreedy_v2.json'), 'utf8'));
    expect(file).toMatchObject({ schema: 1, policy: 'egreedy_v2', d: 12, lambda: 1, n_updates: 1000 });
    expect(file.A).toHaveLength(12);
  }, 120_000);

  it('idempotency keys and scored events survive a graceful restart', async () => {
    const dir = tempDir();
    const first = await testApp({ STATE_BACKEND: backend, STATE_DIR: dir });
    const scored = (
      await first.app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })
    ).json();
    const pending = (
      await first.app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })
    ).json();
    const reward = { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 't2' };
    expect(
      (await first.app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward })).json().applied,
    ).toBe(true);
    await first.app.close();

    const { app } = await testApp({ STATE_BACKEND: backend, STATE_DIR: dir });
    const again = await app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward });
    expect(again.json()).toMatchObject({ applied: false, n_updates: 1 });
    const later = await app.inject({
      method: 'POST',
      url: '/reward/egreedy',
      payload: { user_id: 'u1', reward: 1, event_id: pending.event_id, candidate_id: 't3' },
    });
    expect(later.json()).toMatchObject({ applied: true, n_updates: 2 });
  });
});

describe('the seed layout on disk (STATE_BACKEND=file)', () => {
  it('a torn last line in the decision journal does not swallow the decisions written after it', async () => {
    const dir = tempDir();
    {
      const { app } = await testApp({ STATE_BACKEND: 'file', STATE_DIR: dir });
      await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() });
      await app.close();
    }
    const [segment] = readdirSync(join(dir, 'events'));
    appendFileSync(join(dir, 'events', segment!), '{"e":"0193-torn","t":17');
    let eventId: string;
    {
      const { app } = await testApp({ STATE_BACKEND: 'file', STATE_DIR: dir });
      eventId = (await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })).json()
        .event_id;
      await app.close();
    }
    const { app } = await testApp({ STATE_BACKEND: 'file', STATE_DIR: dir });
    const res = await app.inject({
      method: 'POST',
      url: '/reward/egreedy',
      payload: { user_id: 'u1', reward: 1, event_id: eventId, candidate_id: 't1' },
    });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('moves an unparsable state file aside, logs an error, and starts the user cold', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'u1.json'), '{"schema": 1, "A": [[1, 2');
    writeFileSync(join(dir, 'u1_egreedy.json'), JSON.stringify({ schema: 1, policy: 'egreedy_v1', d: 3 }));
    const log = logCapture();
    const { app } = await testApp(
      { STATE_BACKEND: 'file', STATE_DIR: dir, LOG_LEVEL: 'info' },
      { logDestination: log.stream },
    );
    for (const url of ['/stats/u1', '/stats/egreedy/u1']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.json().n_updates).toBe(0);
    }
    const files = readdirSync(dir);
    expect(files.filter((f) => /^u1\.json\.corrupt-\d+$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^u1_egreedy\.json\.corrupt-\d+$/.test(f))).toHaveLength(1);
    expect(files).not.toContain('u1.json');
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    // The user learns again from cold, and the new file is well-formed.
    const scored = (await app.inject({ method: 'POST', url: '/score', payload: scoreBody() })).json();
    await app.inject({
      method: 'POST',
      url: '/reward',
      payload: { user_id: 'u1', reward: 1, event_id: scored.event_id, candidate_id: 't1' },
    });
    expect(JSON.parse(readFileSync(join(dir, 'u1.json'), 'utf8')).n_updates).toBe(1);
  });
});

describe.each(['lmdb', 'file'] as const)('hostile user ids, STATE_BACKEND=%s', (backend) => {
  it('path traversal in user_id never touches a file outside STATE_DIR', async () => {
    const root = tempDir();
    const dir = join(root, 'state');
    mkdirSync(dir);
    const { app } = await testApp({ STATE_BACKEND: backend, STATE_DIR: dir });
    const hostile = fc.oneof(
      fc.constantFrom(
        '../x',
        '..',
        '.',
        '../../etc/passwd',
        '/abs',
        'a/../../b',
        'a\\..\\b',
        '%2e%2e%2fx',
        'a\0b',
      ),
      fc.string({ unit: fc.constantFrom('.', '/', '\\', 'a', '%', '2', 'e', 'f', '\0', ':') }),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (user) => {
        const { candidates: _c, ...context } = scoreBody(user);
        const enc = encodeURIComponent(user);
        const calls = [
          app.inject({ method: 'POST', url: '/score', payload: scoreBody(user) }),
          app.inject({
            method: 'POST',
            url: '/reward',
            payload: { ...context, reward: 1, candidate: CANDIDATES[0] },
          }),
          app.inject({ method: 'GET', url: `/stats/${enc}` }),
          app.inject({ method: 'GET', url: `/stats/egreedy/${user}` }),
          app.inject({ method: 'POST', url: `/reset/${enc}` }),
        ];
        for (const res of await Promise.all(calls)) {
          expect(res.statusCode, `${JSON.stringify(user)}: ${res.body}`).toBeLessThan(500);
          // A raw `..` in a URL is resolved by the HTTP layer before routing; whatever user an answer
          // names, it is a valid id.
          if (res.statusCode === 200 && 'user_id' in res.json()) {
            expect(res.json().user_id).toMatch(/^(?!\.)[A-Za-z0-9._@:-]{1,128}$/);
          }
        }
      }),
      { numRuns: 150 },
    );
    expect(readdirSync(root)).toEqual(['state']);
    for (const f of readdirSync(dir))
      expect(f).toMatch(/^(lmdb|events|decisions|(?!\.)[A-Za-z0-9._@:-]+\.json)$/);
  });
});
