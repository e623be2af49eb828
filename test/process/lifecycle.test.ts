import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { postJson } from '../helpers/post-json.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { scoreBody } from '../helpers/test-app.js';

const SERVER = fileURLToPath(new URL('../../dist/src/server.js', import.meta.url));

describe('the service as a process', () => {
  it('an event scored before a SIGKILL is rewardable after the restart', async () => {
    const dir = tempDir();
    const first = await spawnServer({ STATE_DIR: dir });
    const scored = await postJson(`${first.url}/score/egreedy`, scoreBody('u1'));
    expect(scored.status).toBe(200);
    await first.kill('SIGKILL');

    const second = await spawnServer({ STATE_DIR: dir });
    const reward = { user_id: 'u1', reward: 1, event_id: scored.body.event_id, candidate_id: 't1' };
    const res = await postJson(`${second.url}/reward/egreedy`, reward);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ applied: true, n_updates: 1 });
    expect((await postJson(`${second.url}/reward/egreedy`, reward)).body.applied).toBe(false);
  });

  it('SIGTERM finishes what is in flight, flushes state and exits 0', async () => {
    const dir = tempDir();
    const server = await spawnServer({ STATE_DIR: dir, FSYNC: '1' });
    const scored = await postJson(`${server.url}/score`, scoreBody('u1'));
    const inflight = Array.from({ length: 20 }, (_, i) =>
      postJson(`${server.url}/reward`, {
        user_id: 'u1',
        reward: 1,
        event_id: scored.body.event_id,
        candidate_id: ['t1', 't2', 't3'][i % 3],
      }).catch(() => null),
    );
    await new Promise((r) => setTimeout(r, 5));
    const code = await server.kill('SIGTERM');
    expect(code).toBe(0);
    const answered = (await Promise.all(inflight)).filter((r) => r?.status === 200);

    const again = await spawnServer({ STATE_DIR: dir });
    const stats = (await (await fetch(`${again.url}/stats/u1`)).json()) as { n_updates: number };
    // Every acknowledged reward is on disk (three distinct candidates: at most three applied).
    const applied = answered.filter((r) => r?.body.applied).length;
    expect(stats.n_updates).toBe(applied);
  });

  it('an unusable variable stops the process with a message that names it', () => {
    const cases: [string, string][] = [
      ['PORT', 'eighty'],
      ['EGREEDY_EPSILON', '1.5'],
      ['STATE_BACKEND', 'redis'],
    ];
    for (const [name, value] of cases) {
      const res = spawnSync(process.execPath, [SERVER], {
        env: { ...process.env, [name]: value },
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(res.status, `${name}=${value}`).toBe(2);
      expect(res.stderr).toContain(name);
    }
  });

  it('ENV=production without ADMIN_TOKEN refuses to start, naming ADMIN_TOKEN; with it, it starts', async () => {
    const refused = spawnSync(process.execPath, [SERVER], {
      env: { ...process.env, ENV: 'production', ADMIN_TOKEN: '', STATE_DIR: tempDir() },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('ADMIN_TOKEN');
    const server = await spawnServer({ STATE_DIR: tempDir(), ENV: 'production', ADMIN_TOKEN: 'secret-1' });
    const open = await fetch(`${server.url}/reset/u1`, { method: 'POST' });
    expect(open.status).toBe(401);
    const ok = await fetch(`${server.url}/reset/u1`, {
      method: 'POST',
      headers: { authorization: 'Bearer secret-1' },
    });
    expect(ok.status).toBe(200);
  });
});
