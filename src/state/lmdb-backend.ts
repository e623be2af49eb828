import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { Logger } from 'pino';
import { docKeyOfFileName } from './file-store.js';
import { type LmdbEnv, openLmdbEnv } from './lmdb-env.js';
import { LmdbScoredEventStore } from './lmdb-scored-events.js';
import { LmdbStateStore } from './lmdb-store.js';

export interface LmdbBackendOptions {
  readonly dir: string;
  readonly fsync: boolean;
  readonly mapSizeMb: number;
  readonly windowMs: number;
  readonly decisionCacheBytes: number;
  readonly clock: () => number;
  readonly log: Logger;
  /** Seed-layout files in `dir` are imported at open (the service); migrate-state leaves them alone. */
  readonly importSeedFiles: boolean;
}

export interface LmdbBackend {
  readonly env: LmdbEnv;
  readonly store: LmdbStateStore;
  readonly decisions: LmdbScoredEventStore;
  /** One pass of expiry: decisions and applied keys older than the window, in bounded chunks. */
  expireOnce(): Promise<void>;
  close(): Promise<void>;
}

/** Entries removed per transaction: small enough that no commit holds the writer for long. */
const EXPIRY_CHUNK = 1000;
/** Chunks per pass, so that a backlog (a long stop) is worked off over several passes. */
const EXPIRY_CHUNKS_PER_PASS = 50;
const IMPORT_BATCH = 256;

/**
 * STATE_BACKEND=lmdb: one environment under STATE_DIR for states, keys, decisions and resets; a
 * background pass that expires what left the reward window; and the drop-in import of seed files.
 */
export async function openLmdbBackend(opts: LmdbBackendOptions): Promise<LmdbBackend> {
  const env = openLmdbEnv(opts);
  const store = new LmdbStateStore({ env, windowMs: opts.windowMs, clock: opts.clock, log: opts.log });
  const decisions = new LmdbScoredEventStore({
    env,
    windowMs: opts.windowMs,
    cacheBytes: opts.decisionCacheBytes,
    clock: opts.clock,
  });
  if (opts.importSeedFiles) await importSeedFiles(opts.dir, store, opts.log);

  let keysCursor: string | null = null;
  let running: Promise<void> | null = null;
  const expireOnce = async () => {
    for (let i = 0; i < EXPIRY_CHUNKS_PER_PASS; i++) {
      const removed = await decisions.expire(EXPIRY_CHUNK);
      await yieldToRequests();
      if (removed < EXPIRY_CHUNK) break;
    }
    for (let i = 0; i < EXPIRY_CHUNKS_PER_PASS; i++) {
      keysCursor = await store.expireAppliedKeys(keysCursor, EXPIRY_CHUNK);
      await yieldToRequests();
      if (keysCursor === null) break;
    }
  };
  const pass = () => {
    running ??= expireOnce()
      .catch((err: unknown) => opts.log.error({ err }, 'lmdb expiry pass failed; retried on the next'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(pass, Math.min(5_000, Math.max(100, opts.windowMs / 10)));
  timer.unref();
  return {
    env,
    store,
    decisions,
    expireOnce,
    close: async () => {
      clearInterval(timer);
      await running;
      await env.close();
    },
  };
}

/**
 * Drop-in for the Python service (CONTRACT §5): every seed-layout file in `dir` is copied into the
 * database, then renamed `{name}.imported`, at start, so that the hot path never looks for files. A
 * file copied but not yet renamed when the process died is copied again (it is still the newest).
 */
async function importSeedFiles(dir: string, store: LmdbStateStore, log: Logger): Promise<void> {
  const names = (await readdir(dir)).filter((n) => docKeyOfFileName(n) !== null);
  let imported = 0;
  for (let i = 0; i < names.length; i += IMPORT_BATCH) {
    const batch = names.slice(i, i + IMPORT_BATCH);
    await Promise.all(
      batch.map(async (name) => {
        const key = docKeyOfFileName(name)!;
        const path = join(dir, name);
        let value: unknown;
        try {
          value = JSON.parse(await readFile(path, 'utf8'));
        } catch (err) {
          const aside = `${path}.corrupt-${Date.now()}`;
          await rename(path, aside);
          log.error(
            { file: path, moved_to: aside, err },
            'seed state file unreadable; moved aside, not imported',
          );
          return;
        }
        await store.put(key, value);
        await rename(path, `${path}.imported`);
        imported++;
      }),
    );
  }
  if (imported > 0) log.info({ imported, dir }, 'imported seed-layout state files into lmdb');
}
