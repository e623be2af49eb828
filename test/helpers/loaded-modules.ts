import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './spawned-server.js';
import { tempDir } from './temp-dir.js';

const RECORDER = fileURLToPath(new URL('./record-modules.mjs', import.meta.url));

/** Starts the real server with a module recorder, reads /health, stops it; returns both. */
export async function loadedModules<H = unknown>(env: Record<string, string>) {
  const dir = tempDir();
  const record = join(dir, 'modules.txt');
  const server = await spawnServer({ STATE_DIR: dir, RECORD_MODULES_TO: record, ...env }, undefined, [
    '--import',
    RECORDER,
  ]);
  const health = (await (await fetch(`${server.url}/health`)).json()) as H;
  await server.kill('SIGTERM');
  return { health, modules: readFileSync(record, 'utf8').split('\n').filter(Boolean) };
}
