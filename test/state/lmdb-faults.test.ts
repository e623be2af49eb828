import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../src/app.js';
import { configWith } from '../../src/config/env.js';
import { tempDir } from '../helpers/temp-dir.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const SERVER = fileURLToPath(new URL('../../dist/src/server.js', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** A tmpfs of `size` at a fresh directory, unmounted when the test ends (needs root). */
function mountTmpfs(size: string, extra = ''): string {
  const dir = tempDir('oo-bandit-mnt-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}${extra}`, 'tmpfs', dir]);
  onTestFinished(() => {
    spawnSync('umount', ['-l', dir]);
  });
  return dir;
}

/** Starts the built server on `dir` and returns how it ended (it must not start). */
function startServer(dir: string): { status: number | null; signal: string | null; output: string } {
  const r = spawnSync(process.execPath, [SERVER], {
    env: { ...process.env, STATE_DIR: dir, PORT: '0', LOG_LEVEL: 'info' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, signal: r.signal, output: `${r.stdout}${r.stderr}` };
}

async function aValidDatabase(dir: string): Promise<void> {
  const { app } = await testApp({ STATE_DIR: dir });
  await app.inject({ method: 'POST', url: '/score', payload: scoreBody() });
  await app.close();
}

describe('lmdb: a database that cannot be used stops the start, naming its path', () => {
  it('garbage in the file', async () => {
    const dir = tempDir();
    await aValidDatabase(dir);
    const file = join(dir, 'lmdb', 'data.mdb');
    writeFileSync(file, Buffer.alloc(statSync(file).size, 0x5a));
    await expect(buildApp(configWith({ STATE_DIR: dir, LOG_LEVEL: 'silent' }))).rejects.toThrow(file);
    const r = startServer(dir);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.output).toContain(file);
    expect(r.output).toMatch(/corrupt/);
  });

  it('damaged tree pages behind valid meta pages', async () => {
    const dir = tempDir();
    await aValidDatabase(dir);
    const file = join(dir, 'lmdb', 'data.mdb');
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(size - 8192, 0xa5), 0, size - 8192, 8192);
    closeSync(fd);
    const r = startServer(dir);
    expect(r.signal, 'the service itself must not crash').toBeNull();
    expect(r.status).toBe(1);
    expect(r.output).toContain(join(dir, 'lmdb'));
  });

  it('a truncated file', async () => {
    const dir = tempDir();
    await aValidDatabase(dir);
    const file = join(dir, 'lmdb', 'data.mdb');
    writeFileSync(file, Buffer.alloc(100));
    await expect(buildApp(configWith({ STATE_DIR: dir, LOG_LEVEL: 'silent' }))).rejects.toThrow(
      new RegExp(`truncated.*${file}`),
    );
  });

  it('a read-only STATE_DIR', async () => {
    // As root, permissions do not stop a write: a read-only mount does. Otherwise, a read-only mode.
    let dir: string;
    if (isRoot) {
      dir = mountTmpfs('4m');
      execFileSync('mount', ['-o', 'remount,ro', dir]);
    } else {
      dir = tempDir();
      chmodSync(dir, 0o555);
      onTestFinished(() => chmodSync(dir, 0o755));
    }
    await expect(buildApp(configWith({ STATE_DIR: dir, LOG_LEVEL: 'silent' }))).rejects.toThrow(
      join(dir, 'lmdb'),
    );
    const r = startServer(dir);
    expect(r.status).toBe(1);
    expect(r.output).toContain(join(dir, 'lmdb'));
  });

  it('a database on a read-only mount', async () => {
    if (!isRoot) throw new Error('needs root to mount a tmpfs (run the suite as root, as CI does)');
    const dir = mountTmpfs('8m');
    await aValidDatabase(dir);
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    await expect(buildApp(configWith({ STATE_DIR: dir, LOG_LEVEL: 'silent' }))).rejects.toThrow(
      join(dir, 'lmdb'),
    );
  });
});

describe('lmdb: a full disk', () => {
  it('answers 503 store_unavailable to writes while reads go on, and recovers when space comes back', async () => {
    if (!isRoot) throw new Error('needs root to mount a small tmpfs (run the suite as root, as CI does)');
    const dir = mountTmpfs('3m');
    const { app } = await testApp({ STATE_DIR: dir, DECISION_LOG: '0' });
    const reward = (i: number) => ({
      user_id: 'u1',
      reward: 0.5,
      candidate: CANDIDATES[0],
      now: '2026-11-24T09:30:00Z',
      event_id: `e${i}`,
    });
    const first = (await app.inject({ method: 'POST', url: '/score/egreedy', payload: scoreBody() })).json();
    expect(
      (await app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward(0) })).statusCode,
    ).toBe(200);
    // Fill the file system, then write until the database needs a page it cannot get.
    const filler = join(dir, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(64 * 1024));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    const many = Array.from({ length: 40 }, (_, i) => `task-${i}`);
    const big = scoreBody('u2', {
      candidates: many.map((id, i) => ({ ...CANDIDATES[i % 3], id })),
    });
    let unavailable = 0;
    for (let i = 0; i < 400 && unavailable === 0; i++) {
      const res = await app.inject({ method: 'POST', url: '/score/egreedy', payload: big });
      if (res.statusCode === 503) {
        expect(res.json().error).toBe('store_unavailable');
        unavailable++;
      } else expect(res.statusCode, res.body).toBe(200);
    }
    expect(unavailable, 'a write failed for want of space').toBe(1);
    const r = await app.inject({ method: 'POST', url: '/reward/egreedy', payload: reward(1) });
    expect(r.statusCode).toBe(503);
    expect(r.json().error).toBe('store_unavailable');
    // Reads go on: stats, and the earlier event is still there.
    const stats = await app.inject({ method: 'GET', url: '/stats/egreedy/u1' });
    expect(stats.statusCode).toBe(200);
    expect(stats.json().n_updates).toBe(1);
    // Space comes back: writes succeed again, and nothing acknowledged was lost.
    rmSync(filler);
    const again = await app.inject({
      method: 'POST',
      url: '/reward/egreedy',
      payload: { user_id: 'u1', reward: 1, event_id: first.event_id, candidate_id: 't1' },
    });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ applied: true, n_updates: 2 });
  });
});
