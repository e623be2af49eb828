import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../helpers/nats-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testApp } from '../helpers/test-app.js';

const CLI = fileURLToPath(new URL('../../dist/src/cli/migrate-state.js', import.meta.url));
const run = promisify(execFile);

async function migrate(args: string[], env: Record<string, string>) {
  const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  return { result: JSON.parse(stdout) as { copied: number; unchanged: number }, stderr };
}

function linucbDoc(n: number): string {
  // Python's json.dumps spacing, and a float that needs all 17 digits: bytes must survive as they are.
  return `{"schema": 1, "policy": "linucb_v1", "d": 5, "lambda": 1.0, "A": [[${1 + n}, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]], "b": [0.30000000000000004, 0, 0, 0, 0], "n_updates": ${n}, "total_reward": 0.1, "last_update_ts": null}\n`;
}

describe('npm run migrate-state', () => {
  it('copies file → KV → file byte-for-byte, idempotently, and the KV service reads what was copied', async () => {
    const nats = await startNatsServer();
    const src = tempDir();
    const files: Record<string, string> = {
      'alice@example.com.json': linucbDoc(3),
      'bob:1.json': linucbDoc(1),
      'carol.x_egreedy.json': linucbDoc(2).replace('linucb_v1', 'egreedy_v1'),
      'dave_egreedy_v2.json': '{"schema":1,"policy":"egreedy_v2"}\n',
      'erin_sync.json': '{"last_sync_ts": "2026-11-24T09:30:00Z", "task_count": 4}',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
    writeFileSync(join(src, 'zed.json.corrupt-1764000000000'), '{broken');
    const env = { NATS_KV_URL: nats.url, NATS_KV_BUCKET: 'migrated' };

    const first = await migrate(['--from', 'file', '--to', 'nats-kv'], { ...env, STATE_DIR: src });
    expect(first.result).toEqual({ from: 'file', to: 'nats-kv', copied: 5, unchanged: 0 });
    expect(first.stderr).toContain('5/5 documents');
    const again = await migrate(['--from', 'file', '--to', 'nats-kv'], { ...env, STATE_DIR: src });
    expect(again.result).toMatchObject({ copied: 0, unchanged: 5 });

    const back = tempDir();
    const out = await migrate(['--from', 'nats-kv', '--to', 'file'], { ...env, STATE_DIR: back });
    expect(out.result).toMatchObject({ copied: 5, unchanged: 0 });
    expect(readdirSync(back).sort()).toEqual(Object.keys(files).sort());
    for (const name of Object.keys(files)) {
      expect(readFileSync(join(back, name)).equals(readFileSync(join(src, name))), name).toBe(true);
    }

    const { app } = await testApp({
      STATE_BACKEND: 'nats-kv',
      NATS_KV_URL: nats.url,
      NATS_KV_BUCKET: 'migrated',
    });
    const stats = (await app.inject({ method: 'GET', url: '/stats/alice@example.com' })).json();
    expect(stats.n_updates).toBe(3);
  });

  it('carries lmdb → KV → lmdb exactly: both databases export the same files', async () => {
    const nats = await startNatsServer();
    const a = tempDir();
    for (const [i, name] of ['alice.json', 'bob_egreedy.json', 'carol_sync.json'].entries()) {
      const text = name.endsWith('_sync.json')
        ? '{"last_sync_ts": "2026-11-24T09:30:00Z", "task_count": 4}'
        : linucbDoc(i + 1)
            .replace('linucb_v1', name.includes('egreedy') ? 'egreedy_v1' : 'linucb_v1')
            .replace('"last_update_ts": null', '"last_update_ts": null, "applied_keys": ["e1:t1", "e0:t2"]');
      writeFileSync(join(a, name), text);
    }
    const env = { NATS_KV_URL: nats.url, NATS_KV_BUCKET: 'from-lmdb' };
    expect((await migrate(['--from', 'file', '--to', 'lmdb'], { STATE_DIR: a })).result).toMatchObject({
      copied: 3,
    });
    expect(
      (await migrate(['--from', 'lmdb', '--to', 'nats-kv'], { ...env, STATE_DIR: a })).result,
    ).toMatchObject({ copied: 3 });
    const b = tempDir();
    expect(
      (await migrate(['--from', 'nats-kv', '--to', 'lmdb'], { ...env, STATE_DIR: b })).result,
    ).toMatchObject({ copied: 3 });
    expect((await migrate(['--from', 'lmdb', '--to', 'file'], { STATE_DIR: b })).result).toMatchObject({
      copied: 3,
    });
    // a still holds the files lmdb was filled from; exporting its lmdb over them gives b's bytes.
    await migrate(['--from', 'lmdb', '--to', 'file'], { STATE_DIR: a });
    for (const name of readdirSync(b).filter((f) => f.endsWith('.json'))) {
      expect(readFileSync(join(b, name)).equals(readFileSync(join(a, name))), name).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(b, 'alice.json'), 'utf8')).applied_keys).toEqual(['e1:t1', 'e0:t2']);
  });

  it('refuses a missing or same backend', async () => {
    await expect(migrate(['--from', 'file', '--to', 'file'], {})).rejects.toMatchObject({ code: 2 });
  });
});
