import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Database, open, type RootDatabase } from 'lmdb';

/** The start-up failures of the database: each names the path, never a silent cold start. */
export class StateDbError extends Error {
  override readonly name = 'StateDbError';
  constructor(
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${message}: ${path}`, options);
  }
}

export interface LmdbEnvOptions {
  /** STATE_DIR: the environment lives in `{dir}/lmdb/`. */
  readonly dir: string;
  /** FSYNC=1: a commit resolves once synced to disk; 0: once written to the OS (survives kill -9). */
  readonly fsync: boolean;
  /** LMDB_MAP_SIZE_MB; 0: the map starts small and grows as the data does. */
  readonly mapSizeMb: number;
}

/** The named databases of the one environment. Keys are strings; values msgpack (float64 stays float64). */
export interface LmdbEnv {
  readonly path: string;
  readonly root: RootDatabase;
  /** `{user}\0{doc}` → the document without its idempotency keys; versioned (the revision). */
  readonly states: Database;
  /** `{doc}\0{user}\0{key}` → the epoch ms it was applied (expires with the reward window). */
  readonly applied: Database;
  /** Event id (UUIDv7, time-ordered) → the decision, binary, LZ4-compressed. */
  readonly decisions: Database;
  /** User → epoch ms of the user's last reset (decisions scored before it are forgotten). */
  readonly resets: Database;
  /** `{user}\0{doc}\0{ms}` → a document that could not be used, kept aside (never deleted). */
  readonly quarantine: Database;
  close(): Promise<void>;
}

const META_MAGIC = 0xbeefc0de;
const PAGE = 4096;
/** Where MDB_meta.mm_magic sits in each of the two meta pages (after this build's 24-byte page header). */
const META_OFFSET = 24;

/**
 * Opens (or creates) the environment after checking that an existing one is an LMDB file at all: the
 * native library trusts its file and can crash the process on garbage, so a damaged file is first
 * recognised by its meta pages here and then opened once in a child process, where a crash costs nothing.
 */
export function openLmdbEnv(opts: LmdbEnvOptions): LmdbEnv {
  const path = join(opts.dir, 'lmdb');
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw new StateDbError(path, `cannot create the state database directory (${code(err)})`, {
      cause: err,
    });
  }
  const dataFile = join(path, 'data.mdb');
  if (existsSync(dataFile)) {
    checkMetaPages(dataFile);
    probeInChild(path);
  }
  tolerateReportedCommitFailures();
  let root: RootDatabase;
  try {
    root = open({
      path,
      maxDbs: 8,
      noSync: !opts.fsync,
      // FSYNC=1: a write's promise resolves only after the sync of its batch, not merely its commit.
      overlappingSync: false,
      ...(opts.mapSizeMb > 0 ? { mapSize: opts.mapSizeMb * 1024 * 1024 } : {}),
    });
  } catch (err) {
    throw new StateDbError(path, `cannot open the state database (${messageOf(err)})`, { cause: err });
  }
  const states = root.openDB({ name: 'states', useVersions: true });
  const applied = root.openDB({ name: 'applied' });
  // No LZ4: lmdb-js compresses on the calling thread, which cost a put five times its CPU on the request
  // path; the codec's column encoding (scored-event-codec.ts) makes a K = 20 decision about as small.
  const decisions = root.openDB({ name: 'decisions', encoding: 'binary' });
  const resets = root.openDB({ name: 'resets' });
  const quarantine = root.openDB({ name: 'quarantine' });
  return {
    path,
    root,
    states,
    applied,
    decisions,
    resets,
    quarantine,
    close: () => root.close(),
  };
}

const TOLERATING = Symbol.for('oo-bandit.lmdb-commit-failures');

/**
 * A failed commit (a full disk) rejects each write's promise, which the writer answers with 503, and also
 * an internal promise of the library that nobody can hold, which would end the process as an unhandled
 * rejection while reads could go on. Such rejections (they carry `commitError`) are logged by the library
 * and dropped here; any other unhandled rejection is thrown again, so it ends the process as before.
 */
function tolerateReportedCommitFailures(): void {
  const proc = process as unknown as Record<symbol, boolean>;
  if (proc[TOLERATING]) return;
  proc[TOLERATING] = true;
  process.on('unhandledRejection', (reason) => {
    if (reason instanceof Error && 'commitError' in reason) {
      (reason.commitError as Promise<unknown>).catch(() => {});
      return;
    }
    throw reason;
  });
}

function checkMetaPages(file: string): void {
  const size = statSync(file).size;
  if (size < 2 * PAGE) throw new StateDbError(file, `state database is truncated (${size} bytes)`);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    for (const offset of [META_OFFSET, PAGE + META_OFFSET]) {
      readSync(fd, buf, 0, 4, offset);
      if (buf.readUInt32LE(0) !== META_MAGIC) {
        throw new StateDbError(file, 'state database is corrupt (not an LMDB file: bad meta page)');
      }
    }
  } catch (err) {
    if (err instanceof StateDbError) throw err;
    throw new StateDbError(file, `cannot read the state database (${code(err)})`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/** Opens the environment read-only in a child and walks every database's keys. */
function probeInChild(path: string): void {
  const lmdbPath = createRequire(import.meta.url).resolve('lmdb');
  const script = `
    const { open } = require(${JSON.stringify(lmdbPath)});
    const root = open({ path: ${JSON.stringify(path)}, readOnly: true, maxDbs: 8 });
    for (const name of ['states', 'applied', 'decisions', 'resets', 'quarantine']) {
      let db;
      try { db = root.openDB({ name, encoding: 'binary' }); } catch { continue; }
      for (const _ of db.getKeys({ limit: 1000 })) {}
      for (const _ of db.getKeys({ reverse: true, limit: 1000 })) {}
    }
    root.close();
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    const why = r.signal ? `crashed with ${r.signal}` : (r.stderr.trim().split('\n').pop() ?? 'failed');
    throw new StateDbError(path, `state database is corrupt or unreadable (opening it ${why})`);
  }
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? messageOf(err);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
