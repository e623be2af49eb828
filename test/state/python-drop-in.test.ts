import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startPythonService } from '../helpers/python-service.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/migrate-state.js', import.meta.url));
const run = promisify(execFile);
const PROFILE = [0.2, 0.0, 1.0, 0.5, 0.1];
const USERS = ['ann', 'bob@example.com', 'c:3'];
const PATHS = [
  { score: '/score', reward: '/reward', stats: '/stats', extra: {} },
  { score: '/score/egreedy', reward: '/reward/egreedy', stats: '/stats/egreedy', extra: {} },
  {
    score: '/score/egreedy/v2',
    reward: '/reward/egreedy/v2',
    stats: '/stats/egreedy/v2',
    extra: { profile_features: PROFILE },
  },
] as const;

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function migrate(from: string, to: string, dir: string) {
  const { stdout } = await run(process.execPath, [CLI, '--from', from, '--to', to], {
    env: { ...process.env, STATE_DIR: dir },
  });
  return JSON.parse(stdout) as { copied: number; unchanged: number };
}

/** The fields of /stats that are state (the rest is configuration), θ to 1e-9 relative. */
function expectSameStats(got: Record<string, unknown>, want: Record<string, unknown>, what: string): void {
  for (const k of ['n_updates', 'total_reward', 'mean_reward', 'last_update_ts', 'd']) {
    expect(got[k], `${what} ${k}`).toEqual(want[k]);
  }
  const g = got.theta as number[];
  const w = want.theta as number[];
  expect(g).toHaveLength(w.length);
  for (let i = 0; i < w.length; i++) {
    expect(Math.abs(g[i]! - w[i]!), `${what} θ[${i}]`).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(w[i]!)),
    );
  }
}

describe('drop-in for the Python service (STATE_BACKEND=lmdb)', () => {
  it('serves a STATE_DIR the Python service wrote: same /stats, keys carried over, learning goes on, migrate round trip exact', async () => {
    const dir = tempDir();
    // The fixture: the Python service itself scores and learns, then stops, leaving its seed layout.
    const py = await startPythonService({ STATE_DIR: dir, FSYNC: '1' });
    const keyed: { path: (typeof PATHS)[number]; body: Record<string, unknown> }[] = [];
    const want = new Map<string, Record<string, unknown>>();
    try {
      for (const [u, user] of USERS.entries()) {
        for (const path of PATHS) {
          for (let i = 0; i < 3 + u; i++) {
            const scored = await post(`${py.url}${path.score}`, scoreBody(user, path.extra));
            const pick = CANDIDATES[(i + u) % CANDIDATES.length]!;
            await post(`${py.url}${path.reward}`, {
              user_id: user,
              reward: ((i % 3) - 1) / 2 + 0.1,
              event_id: scored.event_id,
              candidate_id: pick.id,
            });
          }
          const body = {
            user_id: user,
            reward: 0.7,
            candidate: CANDIDATES[1],
            now: '2026-11-24T09:30:00Z',
            timezone: 'Europe/Berlin',
            event_id: `by-value-${u}`,
            ...path.extra,
          };
          expect((await post(`${py.url}${path.reward}`, body)).applied).toBe(true);
          keyed.push({ path, body });
          want.set(
            `${path.stats}/${user}`,
            (await (await fetch(`${py.url}${path.stats}/${user}`)).json()) as Record<string, unknown>,
          );
        }
      }
    } finally {
      await py.stop();
    }
    const seedFiles = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(seedFiles).toHaveLength(USERS.length * PATHS.length);

    // The service on that directory: every file imported and renamed, the same /stats.
    {
      const { app } = await testApp({ STATE_BACKEND: 'lmdb', STATE_DIR: dir });
      expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
      expect(
        readdirSync(dir)
          .filter((f) => f.endsWith('.json.imported'))
          .sort(),
      ).toEqual(seedFiles.map((f) => `${f}.imported`));
      for (const [url, stats] of want) {
        expectSameStats((await app.inject({ method: 'GET', url })).json(), stats, url);
      }
      // Keys carried over: the Python service's rewards are not applied twice.
      for (const { path, body } of keyed) {
        const res = await app.inject({ method: 'POST', url: path.reward, payload: body });
        expect(res.json(), path.reward).toMatchObject({ applied: false });
      }
      // Learning goes on from the imported state.
      for (const user of USERS) {
        const before = want.get(`/stats/egreedy/${user}`)!;
        const res = await app.inject({
          method: 'POST',
          url: '/reward/egreedy',
          payload: { ...keyed[1]!.body, user_id: user, event_id: `after-import-${user}` },
        });
        expect(res.json()).toMatchObject({ applied: true, n_updates: (before.n_updates as number) + 1 });
      }
      await app.close();
    }

    // Round trip lmdb → file → lmdb: a fresh database from the exported files exports the same bytes.
    const exported = await migrate('lmdb', 'file', dir);
    expect(exported.copied).toBe(USERS.length * PATHS.length);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(files).toEqual(seedFiles);
    const other = tempDir();
    mkdirSync(other, { recursive: true });
    for (const f of files) cpSync(join(dir, f), join(other, f));
    expect(await migrate('file', 'lmdb', other)).toMatchObject({ copied: files.length, unchanged: 0 });
    // Exporting the copy onto the same files writes nothing: every document's bytes are equal.
    expect(await migrate('lmdb', 'file', other)).toEqual({
      from: 'lmdb',
      to: 'file',
      copied: 0,
      unchanged: files.length,
    });
    // The exported files are the seed layout, with every key the Python service and we applied.
    const doc = JSON.parse(readFileSync(join(dir, 'ann_egreedy.json'), 'utf8'));
    expect(Object.keys(doc)).toEqual([
      'schema',
      'policy',
      'd',
      'lambda',
      'A',
      'b',
      'n_updates',
      'total_reward',
      'last_update_ts',
      'applied_keys',
    ]);
    expect(doc.applied_keys).toContain('by-value-0:t2');
    expect(doc.applied_keys).toContain('after-import-ann:t2');
    expect(doc.applied_keys).toHaveLength(doc.n_updates);

    // And the service on the copy answers the same /stats.
    const { app } = await testApp({ STATE_BACKEND: 'lmdb', STATE_DIR: other });
    for (const [url, stats] of want) {
      const got = (await app.inject({ method: 'GET', url })).json();
      if (url.startsWith('/stats/egreedy/') && !url.includes('/v2/')) {
        expect(got.n_updates).toBe((stats.n_updates as number) + 1);
      } else expectSameStats(got, stats, url);
    }
  }, 120_000);
});
