import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type MsgRequest,
} from '@nats-io/jetstream';
import { type KV, type KvEntry, KvWatchInclude } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../errors/app-errors.js';
import { docKeyOf, kvKeyOf } from './kv-key.js';
import type { RawDocuments } from './raw-documents.js';
import { type DocKey, RevisionConflictError, type StateStore, type Versioned } from './state-store.js';

export interface NatsKvStoreOptions {
  readonly nc: NatsConnection;
  readonly kv: KV;
  /** For reading a key's earlier revisions (the bucket keeps `history` of them). */
  readonly jsm: JetStreamManager;
  readonly bucket: string;
  readonly log: Logger;
  /** How long `healthy()` waits for the bucket to answer. */
  readonly probeTimeoutMs: number;
  /** Closes what the store was opened with (the connection); called once by close(). */
  readonly onClose?: () => Promise<void>;
}

/** A change another writer (or this one) committed, as the watch saw it; null value: deleted. */
export interface WatchedDoc {
  readonly key: DocKey;
  readonly stored: Versioned<unknown> | null;
  /** The KV revision of the change, also for a deletion. */
  readonly revision: number;
}

const CORRUPT_PREFIX = 'corrupt.';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Per-user documents in one JetStream KV bucket, keyed `{doc}.{encoded user}`, so that several replicas
 * share them. The KV revision is the document's revision: `save` is `create` (must not exist) or
 * `update` (revision must match), both a compare-and-set done by the stream leader, and it resolves once
 * the bucket's replicas have acknowledged the write. Values are the file store's exact bytes (JSON and a
 * newline), so the migration copies documents byte-for-byte. Anything but a revision conflict is
 * reported as StoreUnavailableError: the caller answers 503, never acknowledges an unpersisted write.
 */
export class NatsKvStateStore implements StateStore, RawDocuments {
  readonly kind = 'nats-kv';
  private closed = false;
  private readonly watchers: { stop(): void }[] = [];
  /** The revision each recent write expected, until `overwritten` asks about it. */
  private readonly bases = new Map<string, number>();
  private lateWriteHandler: ((key: DocKey, revision: number) => void) | null = null;

  constructor(private readonly opts: NatsKvStoreOptions) {}

  async load(key: DocKey): Promise<Versioned<unknown> | null> {
    const entry = await this.getEntry(kvKeyOf(key));
    if (entry === null) return null;
    const value = parseValue(entry.value);
    if (value === undefined) {
      await this.quarantine(key, 'unparsable JSON');
      return null;
    }
    return { value, revision: entry.revision };
  }

  async save(key: DocKey, value: unknown, expectedRevision: number | null): Promise<number> {
    const k = kvKeyOf(key);
    const bytes = encoder.encode(`${JSON.stringify(value)}\n`);
    // "Must not exist" is a CAS on the deletion marker's revision when there is one, so that
    // `overwritten` knows exactly what this write followed.
    let base = expectedRevision;
    try {
      if (base === null) {
        const current = await this.opts.kv.get(k);
        if (current?.operation === 'PUT') throw new RevisionConflictError(key);
        base = current?.revision ?? 0;
      }
      const revision =
        base === 0 ? await this.opts.kv.create(k, bytes) : await this.opts.kv.update(k, bytes, base);
      this.bases.set(`${k}@${revision}`, base);
      if (this.bases.size > 10_000) this.bases.delete(this.bases.keys().next().value!);
      return revision;
    } catch (err) {
      if (err instanceof RevisionConflictError) throw err;
      if (isConflict(err)) throw new RevisionConflictError(key);
      // A timed-out write may still land (and replace another): look for it once the store answers.
      if (base !== null) this.findLateWrite(key, base, bytes);
      throw new StoreUnavailableError(err);
    }
  }

  /** Told about a write that was reported failed but landed, so that its writer can check what it replaced. */
  onLateWrite(handler: (key: DocKey, revision: number) => void): void {
    this.lateWriteHandler = handler;
  }

  private findLateWrite(key: DocKey, base: number, bytes: Uint8Array, attempt = 0): void {
    if (this.closed || attempt >= 30) return;
    const k = kvKeyOf(key);
    const subject = `$KV.${this.opts.bucket}.${k}`;
    // A plain unref'd timer rather than nats.js delay(): this poll must not hold a closing process open.
    const retry = () => setTimeout(() => this.findLateWrite(key, base, bytes, attempt + 1), 1000).unref();
    void (async () => {
      for (let seq = base + 1; ; ) {
        const query = { seq, next_by_subj: subject } as unknown as MsgRequest;
        const m = await this.opts.jsm.streams.getMessage(`KV_${this.opts.bucket}`, query);
        if (!m) return attempt < 5 ? retry() : undefined;
        if (Buffer.compare(Buffer.from(m.data), Buffer.from(bytes)) === 0) {
          this.bases.set(`${k}@${m.seq}`, base);
          this.opts.log.warn(
            { user: key.user, doc: key.doc, revision: m.seq },
            'a write reported failed has landed',
          );
          this.lateWriteHandler?.(key, m.seq);
          return;
        }
        seq = m.seq + 1;
      }
    })().catch(retry);
  }

  /**
   * The documents written to this key after the revision the write at `revision` expected and before it:
   * writes that passed the same compare-and-set and that this one replaced (nats-server#4320).
   */
  async overwritten(key: DocKey, revision: number): Promise<unknown[]> {
    const k = kvKeyOf(key);
    const base = this.bases.get(`${k}@${revision}`);
    this.bases.delete(`${k}@${revision}`);
    if (base === undefined || revision === base + 1) return [];
    // A server outside a cluster checks the expected revision in its one write path: nothing to find.
    if (!this.opts.nc.info?.cluster) return [];
    const subject = `$KV.${this.opts.bucket}.${k}`;
    const lost: unknown[] = [];
    await this.unavailableOnError(async () => {
      for (let seq = base + 1; seq < revision; ) {
        const query = { seq, next_by_subj: subject } as unknown as MsgRequest;
        const m = await this.opts.jsm.streams.getMessage(`KV_${this.opts.bucket}`, query);
        if (!m || m.seq >= revision) break;
        const op = m.header?.get('KV-Operation');
        if (!op || op === 'PUT') {
          const v = parseValue(m.data);
          if (v !== undefined) lost.push(v);
        } else {
          this.opts.log.warn(
            { user: key.user, doc: key.doc, revision },
            'a concurrent reset was overwritten',
          );
        }
        seq = m.seq + 1;
      }
    });
    return lost;
  }

  async quarantine(key: DocKey, reason: string): Promise<void> {
    const k = kvKeyOf(key);
    const aside = `${CORRUPT_PREFIX}${k}.${Date.now()}`;
    await this.unavailableOnError(async () => {
      const entry = await this.opts.kv.get(k);
      if (entry && entry.operation === 'PUT') await this.opts.kv.put(aside, entry.value);
      await this.opts.kv.delete(k);
    });
    this.opts.log.error(
      { user: key.user, doc: key.doc, moved_to: aside, reason },
      'state document unusable; moved aside, user starts cold',
    );
  }

  async delete(key: DocKey): Promise<void> {
    await this.unavailableOnError(() => this.opts.kv.delete(kvKeyOf(key)));
  }

  async healthy(): Promise<boolean> {
    if (this.closed || this.opts.nc.isClosed()) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.opts.probeTimeoutMs);
    });
    try {
      return await Promise.race([this.opts.kv.status().then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Calls `onDoc` for every change committed to a document from now on, by any replica, in revision
   * order, and `onGap` after a reconnect. The watch is an ordered push consumer: when its server dies
   * it is recreated only after missed heartbeats (about a minute), so holders of copies also bound their
   * age (PolicyStateRepository maxAgeMs).
   */
  async watch(onDoc: (change: WatchedDoc) => void, onGap: () => void = () => {}): Promise<void> {
    const iter = await this.opts.kv.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
    this.watchers.push(iter);
    // Changes made while this client was disconnected may come late: whoever holds copies drops them.
    void (async () => {
      for await (const s of this.opts.nc.status()) if (s.type === 'reconnect') onGap();
    })();
    void (async () => {
      try {
        for await (const e of iter) {
          const key = docKeyOf(e.key);
          if (key === null) continue;
          const value = e.operation === 'PUT' ? parseValue(e.value) : null;
          if (value === undefined) continue;
          onDoc({
            key,
            revision: e.revision,
            stored: value === null ? null : { value, revision: e.revision },
          });
        }
      } catch (err) {
        if (!this.closed) this.opts.log.error({ err }, 'state watch stopped');
      }
    })();
  }

  async *keys(): AsyncIterable<DocKey> {
    const found: DocKey[] = [];
    await this.unavailableOnError(async () => {
      for await (const k of await this.opts.kv.keys()) {
        const key = docKeyOf(k);
        if (key) found.push(key);
      }
    });
    found.sort((a, b) => (kvKeyOf(a) < kvKeyOf(b) ? -1 : 1));
    yield* found;
  }

  async readRaw(key: DocKey): Promise<Uint8Array | null> {
    return (await this.getEntry(kvKeyOf(key)))?.value ?? null;
  }

  async writeRaw(key: DocKey, bytes: Uint8Array): Promise<void> {
    await this.unavailableOnError(() => this.opts.kv.put(kvKeyOf(key), bytes));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) w.stop();
    await this.opts.onClose?.();
  }

  private async getEntry(k: string): Promise<KvEntry | null> {
    const entry = await this.unavailableOnError(() => this.opts.kv.get(k));
    return entry && entry.operation === 'PUT' ? entry : null;
  }

  private async unavailableOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new StoreUnavailableError(err);
    }
  }
}

function isConflict(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** The parsed JSON, or undefined when the bytes are not JSON. */
function parseValue(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}
