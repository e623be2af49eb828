import { mkdirSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { POLICIES } from '../policies/mod.js';
import type { RawDocuments } from './raw-documents.js';
import { type DocKey, RevisionConflictError, type StateStore, type Versioned } from './state-store.js';
import { isValidUserId } from './user-id.js';

export interface FileStoreOptions {
  readonly dir: string;
  /** fsync the file before the rename and the directory after it. */
  readonly fsync: boolean;
  readonly log: Logger;
}

/** CONTRACT §5 file names: `{user}.json`, `{user}_egreedy.json`, `{user}_egreedy_v2.json`, `{user}_sync.json`. */
export function fileNameOf(key: DocKey): string {
  const suffix = key.doc === 'sync' ? '_sync' : POLICIES[key.doc].fileSuffix;
  return `${key.user}${suffix}.json`;
}

/**
 * The document a file name holds. `{user}_egreedy.json` could also be the LinUCB file of a user named
 * `{user}_egreedy` (CONTRACT §5 names are ambiguous); the longest known suffix wins, as in the seed.
 */
export function docKeyOfFileName(name: string): DocKey | null {
  const suffixes: [string, DocKey['doc']][] = [
    ['_egreedy_v2.json', 'egreedy_v2'],
    ['_egreedy.json', 'egreedy_v1'],
    ['_sync.json', 'sync'],
    ['.json', 'linucb_v1'],
  ];
  for (const [suffix, doc] of suffixes) {
    if (!name.endsWith(suffix)) continue;
    const user = name.slice(0, -suffix.length);
    return isValidUserId(user) ? { user, doc } : null;
  }
  return null;
}

/**
 * Per-user JSON files in one directory, replaced atomically (temporary file + rename). Revisions are kept
 * in memory: one process owns the directory, so compare-and-set only has to guard against itself.
 */
export class FileStateStore implements StateStore, RawDocuments {
  readonly kind = 'file';
  private readonly revisions = new Map<string, number>();
  private nextRevision = 1;
  private tmpCounter = 0;
  private dirHandle: FileHandle | null = null;
  private runningDirSync: Promise<void> | null = null;
  private nextDirSync: Promise<void> | null = null;

  constructor(private readonly opts: FileStoreOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  private pathOf(key: DocKey): string {
    // The HTTP schemas already reject such ids; this guard keeps any other caller from escaping the dir.
    if (!isValidUserId(key.user)) throw new RangeError(`refusing user id ${JSON.stringify(key.user)}`);
    return join(this.opts.dir, fileNameOf(key));
  }

  async load(key: DocKey): Promise<Versioned<unknown> | null> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.revisions.delete(path);
        return null;
      }
      throw err;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      await this.quarantine(key, `unparsable JSON: ${(err as Error).message}`);
      return null;
    }
    let revision = this.revisions.get(path);
    if (revision === undefined) {
      revision = this.nextRevision++;
      this.revisions.set(path, revision);
    }
    return { value, revision };
  }

  async save(key: DocKey, value: unknown, expectedRevision: number | null): Promise<number> {
    const path = this.pathOf(key);
    if ((this.revisions.get(path) ?? null) !== expectedRevision) throw new RevisionConflictError(key);
    const revision = this.nextRevision++;
    this.revisions.set(path, revision);
    try {
      await this.writeAtomically(path, `${JSON.stringify(value)}\n`);
    } catch (err) {
      if (this.revisions.get(path) === revision) {
        if (expectedRevision === null) this.revisions.delete(path);
        else this.revisions.set(path, expectedRevision);
      }
      throw err;
    }
    return revision;
  }

  private async writeAtomically(path: string, text: string | Uint8Array): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}-${this.tmpCounter++}`;
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text);
      if (this.opts.fsync) await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    if (this.opts.fsync) await this.syncDir();
  }

  /**
   * Makes every rename done so far durable. Concurrent writers share one directory fsync (group
   * commit): a sync already running may have started before the caller's rename, so the caller joins
   * the next one, which starts as soon as the running one ends.
   */
  private syncDir(): Promise<void> {
    if (this.nextDirSync) return this.nextDirSync;
    if (!this.runningDirSync) return this.startDirSync();
    const next = this.runningDirSync
      .catch(() => {})
      .then(() => {
        this.nextDirSync = null;
        return this.startDirSync();
      });
    this.nextDirSync = next;
    return next;
  }

  private startDirSync(): Promise<void> {
    const run = (async () => {
      this.dirHandle ??= await open(this.opts.dir, 'r');
      await this.dirHandle.sync();
    })().finally(() => {
      if (this.runningDirSync === run) this.runningDirSync = null;
    });
    this.runningDirSync = run;
    return run;
  }

  async quarantine(key: DocKey, reason: string): Promise<void> {
    const path = this.pathOf(key);
    const aside = `${path}.corrupt-${Date.now()}`;
    await rename(path, aside).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    this.revisions.delete(path);
    this.opts.log.error(
      { user: key.user, doc: key.doc, moved_to: aside, reason },
      'state file unusable; moved aside, user starts cold',
    );
  }

  async delete(key: DocKey): Promise<void> {
    const path = this.pathOf(key);
    this.revisions.delete(path);
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async healthy(): Promise<boolean> {
    return true;
  }

  /** Every document file, by name; quarantined and temporary files are not documents. */
  async *keys(): AsyncIterable<DocKey> {
    const names = (await readdir(this.opts.dir)).sort();
    for (const name of names) {
      const key = docKeyOfFileName(name);
      if (key) yield key;
    }
  }

  async readRaw(key: DocKey): Promise<Uint8Array | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async writeRaw(key: DocKey, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    this.revisions.delete(path);
    await this.writeAtomically(path, bytes);
  }

  async close(): Promise<void> {
    await this.runningDirSync?.catch(() => {});
    await this.dirHandle?.close();
    this.dirHandle = null;
  }
}
