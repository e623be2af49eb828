import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../helpers/nats-server.js';
import { spawnServer } from '../helpers/spawned-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import type { HealthBody } from './nats-app.js';

const RECORDER = fileURLToPath(new URL('../helpers/record-modules.mjs', import.meta.url));

/** Starts the real server with a module recorder, waits for /health, returns it and what was loaded. */
async function loadedModules(env: Record<string, string>) {
  const dir = tempDir();
  const record = join(dir, 'modules.txt');
  const server = await spawnServer({ STATE_DIR: dir, RECORD_MODULES_TO: record, ...env }, undefined, [
    '--import',
    RECORDER,
  ]);
  const health = (await (await fetch(`${server.url}/health`)).json()) as HealthBody;
  await server.kill('SIGTERM');
  return { health, modules: readFileSync(record, 'utf8').split('\n').filter(Boolean) };
}

describe('NATS disabled', () => {
  it('loads no NATS module without NATS_URL, and /health says enabled: false', async () => {
    const { health, modules } = await loadedModules({ NATS_URL: '' });
    expect(modules.some((u) => u.includes('/dist/src/app.js'))).toBe(true);
    expect(modules.filter((u) => u.includes('@nats-io') || u.includes('/src/nats/'))).toEqual([]);
    expect(health.nats).toEqual({
      enabled: false,
      consumers: {
        signals: { last_msg_ts: null, processed: 0, errors: 0 },
        feedback: { last_msg_ts: null, processed: 0, errors: 0 },
      },
    });
  });

  it('loads them with NATS_URL (the recorder sees what the first test says is absent)', async () => {
    const server = await startNatsServer();
    const { health, modules } = await loadedModules({ NATS_URL: server.url });
    expect(modules.some((u) => u.includes('/node_modules/@nats-io/transport-node/'))).toBe(true);
    expect(modules.some((u) => u.includes('/dist/src/nats/mod.js'))).toBe(true);
    expect(health.nats.enabled).toBe(true);
  });
});
