import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import pino from 'pino';
import { ConfigError, loadConfig } from '../config/env.js';
import { FileStateStore } from '../state/file-store.js';
import { kvBackendOptions } from '../state/kv-backend-options.js';
import type { RawDocuments } from '../state/raw-documents.js';
import type { DocKey } from '../state/state-store.js';

type Backend = 'lmdb' | 'file' | 'nats-kv';
const BACKENDS: readonly Backend[] = ['lmdb', 'file', 'nats-kv'];

interface Endpoint {
  readonly docs: RawDocuments;
  close(): Promise<void>;
}

export interface MigrationResult {
  readonly copied: number;
  readonly unchanged: number;
}

/**
 * Copies every per-user document from one backend to the other as stored bytes, so that file → KV →
 * file gives the same files. Idempotent: a document whose bytes the target already holds is not
 * written again. Decisions (the reward window's events) are not copied: they expire on their own.
 */
async function migrate(
  from: RawDocuments,
  to: RawDocuments,
  progress?: { start(total: number): void; tick(): void; stop(): void },
): Promise<MigrationResult> {
  const keys: DocKey[] = [];
  for await (const k of from.keys()) keys.push(k);
  progress?.start(keys.length);
  let copied = 0;
  let unchanged = 0;
  try {
    for (const key of keys) {
      const bytes = await from.readRaw(key);
      if (bytes !== null) {
        const there = await to.readRaw(key);
        if (there !== null && Buffer.compare(Buffer.from(there), Buffer.from(bytes)) === 0) unchanged++;
        else {
          await to.writeRaw(key, bytes);
          copied++;
        }
      }
      progress?.tick();
    }
  } finally {
    progress?.stop();
  }
  return { copied, unchanged };
}

async function open(backend: Backend): Promise<Endpoint> {
  const config = loadConfig({ ...process.env, STATE_BACKEND: backend });
  const log = pino({ level: 'warn' }, process.stderr);
  if (backend === 'file') {
    const store = new FileStateStore({ dir: config.STATE_DIR, fsync: config.FSYNC, log });
    return { docs: store, close: () => store.close() };
  }
  if (backend === 'lmdb') {
    // The seed files beside it are the source of a migration from file: left where they are.
    const { openLmdbBackend } = await import('../state/lmdb-backend.js');
    const lmdb = await openLmdbBackend({
      dir: config.STATE_DIR,
      fsync: config.FSYNC,
      mapSizeMb: config.LMDB_MAP_SIZE_MB,
      windowMs: config.REWARD_WINDOW_S * 1000,
      decisionCacheBytes: 0,
      clock: Date.now,
      log,
      importSeedFiles: false,
    });
    return { docs: lmdb.store, close: () => lmdb.close() };
  }
  const { openNatsKvBackend } = await import('../state/nats-kv-backend.js');
  const { store } = await openNatsKvBackend(
    kvBackendOptions(config, { clock: Date.now, log, maxCachedDecisions: 1 }),
  );
  return { docs: store, close: () => store.close() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { from: { type: 'string' }, to: { type: 'string' } },
    strict: true,
  });
  const isBackend = (v: unknown): v is Backend => BACKENDS.includes(v as Backend);
  if (!isBackend(values.from) || !isBackend(values.to) || values.from === values.to) {
    process.stderr.write('usage: npm run migrate-state -- --from lmdb|file|nats-kv --to lmdb|file|nats-kv\n');
    process.exit(2);
  }
  const from = await open(values.from);
  const to = await open(values.to);
  const bar = new SingleBar({
    format: `${values.from} → ${values.to} [{bar}] {value}/{total} documents`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  try {
    const r = await migrate(from.docs, to.docs, {
      start: (total) => bar.start(total, 0),
      tick: () => bar.increment(),
      stop: () => bar.stop(),
    });
    process.stdout.write(`${JSON.stringify({ from: values.from, to: values.to, ...r })}\n`);
  } finally {
    await from.close();
    await to.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`configuration error: ${p.variable}: ${p.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
