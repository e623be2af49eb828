import { createReadStream, mkdirSync } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { isPolicyName, type PolicyName } from '../policies/mod.js';
import { parseJsonObjectLine } from './json-line.js';
import { JsonLinesAppender } from './json-lines-appender.js';
import type { ScoredEventStore } from './scored-event-store.js';

/** What a reward by event needs of the decision it rewards (CONTRACT §4). */
export interface ScoredEvent {
  readonly id: string;
  /** Server clock (epoch ms) when it was scored: the reward window runs from here. */
  readonly t: number;
  readonly user: string;
  readonly origin: 'score' | 'recommend';
  /** The policy that chose. */
  readonly policy: PolicyName;
  /** Every policy that learns from this decision's rewards (the chooser first). */
  readonly policies: readonly PolicyName[];
  readonly chosen: string;
  readonly ids: readonly string[];
  /** Row-major K × width feature rows; each policy reads the first d of each row. */
  readonly x: Float64Array;
  readonly width: number;
}

export interface ScoredEventJournalOptions {
  readonly dir: string;
  readonly windowMs: number;
  /** Decisions kept in memory; older ones are found on disk. */
  readonly maxCached: number;
  readonly fsync: boolean;
  readonly clock: () => number;
  readonly log: Logger;
}

/** A decision as one JSON object (a journal line, a KV value). */
export interface ScoredEventLine {
  e: string;
  t: number;
  u: string;
  o: 'score' | 'recommend';
  p: PolicyName;
  ps: PolicyName[];
  c: string;
  ids: string[];
  w: number;
  /** Older lines: the rows as JSON numbers. */
  x?: number[];
  /**
   * The rows' float64 bytes (little-endian), base64: exact like the numbers, and far cheaper to write
   * than printing K × width doubles in shortest round-trip form on every score.
   */
  xb?: string;
}

interface ResetLine {
  reset: string;
  t: number;
}

const HOUR_MS = 3_600_000;

/**
 * STATE_BACKEND=file: decisions, durable before the score response leaves: an append-only journal of
 * hourly JSON-lines segments under `{STATE_DIR}/events/`, written by the shared group-commit appender
 * (which ends a torn tail before appending), plus an in-memory index of the most recent ones. Segments
 * older than the reward window are deleted, so the journal's size is bounded by the window. A SIGKILL
 * loses nothing that was acknowledged: the write has reached the kernel before the promise resolves
 * (FSYNC=1 also survives power loss). A torn last line is skipped on reading.
 */
export class ScoredEventJournal implements ScoredEventStore {
  readonly kind = 'file';
  private readonly recent = new Map<string, ScoredEvent>();
  private readonly resets = new Map<string, number>();
  private readonly appender: JsonLinesAppender;
  /** The hour of the last segment written to; a new hour prunes the segments past the window. */
  private hour: number | null = null;
  private readonly eventsDir: string;

  constructor(private readonly opts: ScoredEventJournalOptions) {
    this.eventsDir = join(opts.dir, 'events');
    mkdirSync(this.eventsDir, { recursive: true });
    this.appender = new JsonLinesAppender({ fsync: opts.fsync });
  }

  get cached(): number {
    return this.recent.size;
  }

  /** Replays the segments inside the window, so events scored before a restart stay rewardable. */
  async open(): Promise<void> {
    const horizon = this.opts.clock() - this.opts.windowMs;
    const files = (await this.segments()).filter((s) => s.hour + HOUR_MS > horizon);
    let torn = 0;
    for (const f of files) {
      torn += await this.scan(f.path, (line) => {
        if ('reset' in line) this.noteReset(line.reset, line.t);
        else if (line.t > horizon) this.remember(fromLine(line));
      });
    }
    if (torn > 0) this.opts.log.warn({ torn }, 'decision journal: skipped torn or unreadable lines');
    await this.prune();
  }

  async record(d: ScoredEvent): Promise<void> {
    this.remember(d);
    await this.append(JSON.stringify(toLine(d)));
  }

  /** The decision, or null when it is unknown, expired, or its user was reset after it. */
  async get(id: string, now = this.opts.clock()): Promise<ScoredEvent | null> {
    let d: ScoredEvent | null | undefined = this.recent.get(id);
    if (d === undefined) d = await this.findOnDisk(id);
    if (!d) return null;
    if (now - d.t > this.opts.windowMs) return null;
    const reset = this.resets.get(d.user);
    if (reset !== undefined && reset >= d.t) return null;
    return d;
  }

  /** Forgets every decision of the user (CONTRACT §4, /reset), durably. */
  async resetUser(user: string): Promise<void> {
    const t = this.opts.clock();
    for (const [id, d] of this.recent) if (d.user === user) this.recent.delete(id);
    this.noteReset(user, t);
    await this.append(JSON.stringify({ reset: user, t } satisfies ResetLine));
  }

  async close(): Promise<void> {
    await this.appender.close();
  }

  private remember(d: ScoredEvent): void {
    this.recent.set(d.id, d);
    // Insertion order is time order: evict from the front past the cap, and what has expired.
    const horizon = this.opts.clock() - this.opts.windowMs;
    for (const [id, old] of this.recent) {
      if (this.recent.size <= this.opts.maxCached && old.t >= horizon) break;
      this.recent.delete(id);
    }
  }

  private noteReset(user: string, t: number): void {
    if ((this.resets.get(user) ?? -1) < t) this.resets.set(user, t);
  }

  private async append(line: string): Promise<void> {
    const hour = Math.floor(this.opts.clock() / HOUR_MS) * HOUR_MS;
    if (this.hour !== hour) {
      this.hour = hour;
      await this.prune();
    }
    await this.appender.append(join(this.eventsDir, segmentName(hour)), line);
  }

  private async prune(): Promise<void> {
    const horizon = this.opts.clock() - this.opts.windowMs;
    for (const s of await this.segments()) {
      if (s.hour + HOUR_MS <= horizon) await unlink(s.path).catch(() => {});
    }
    for (const [user, t] of this.resets) if (t < horizon) this.resets.delete(user);
  }

  private async segments(): Promise<{ hour: number; path: string }[]> {
    const names = await readdir(this.eventsDir).catch(() => [] as string[]);
    return names
      .map((name) => ({ hour: hourOfSegment(name), path: join(this.eventsDir, name) }))
      .filter((s): s is { hour: number; path: string } => s.hour !== null)
      .sort((a, b) => a.hour - b.hour);
  }

  /** Past the in-memory cap, a decision is still on disk: its id's timestamp says which segment. */
  private async findOnDisk(id: string): Promise<ScoredEvent | null> {
    const t = uuidv7Time(id);
    if (t === null || this.opts.clock() - t > this.opts.windowMs + HOUR_MS) return null;
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    let found: ScoredEvent | null = null;
    for (const h of [hour, hour + HOUR_MS]) {
      await this.scan(join(this.eventsDir, segmentName(h)), (line) => {
        if (!('reset' in line) && line.e === id) found = fromLine(line);
      });
      if (found) return found;
    }
    return null;
  }

  private async scan(path: string, onLine: (line: ScoredEventLine | ResetLine) => void): Promise<number> {
    let torn = 0;
    const input = createReadStream(path, { encoding: 'utf8' });
    input.on('error', () => {});
    try {
      for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
        if (text.length === 0) continue;
        const line = parseLine(text);
        if (line) onLine(line);
        else torn++;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return torn;
  }
}

function segmentName(hour: number): string {
  return `${new Date(hour).toISOString().slice(0, 13)}.jsonl`;
}

function hourOfSegment(name: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2})\.jsonl$/.exec(name);
  return m ? Date.parse(`${m[1]}:00:00Z`) : null;
}

/** The millisecond timestamp a UUIDv7 carries in its first 48 bits, or null for any other id. */
export function uuidv7Time(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

export function toLine(d: ScoredEvent): ScoredEventLine {
  return {
    e: d.id,
    t: d.t,
    u: d.user,
    o: d.origin,
    p: d.policy,
    ps: [...d.policies],
    c: d.chosen,
    ids: [...d.ids],
    w: d.width,
    xb: Buffer.from(d.x.buffer, d.x.byteOffset, d.x.byteLength).toString('base64'),
  };
}

export function fromLine(l: ScoredEventLine): ScoredEvent {
  return {
    id: l.e,
    t: l.t,
    user: l.u,
    origin: l.o,
    policy: l.p,
    policies: l.ps,
    chosen: l.c,
    ids: l.ids,
    width: l.w,
    x: l.xb === undefined ? Float64Array.from(l.x!) : decodeRows(l.xb),
  };
}

export function parseLine(text: string): ScoredEventLine | ResetLine | null {
  const o = parseJsonObjectLine(text);
  if (o === null) return null;
  if (typeof o.reset === 'string' && typeof o.t === 'number') return o as unknown as ResetLine;
  const ok =
    typeof o.e === 'string' &&
    typeof o.t === 'number' &&
    typeof o.u === 'string' &&
    (o.o === 'score' || o.o === 'recommend') &&
    typeof o.p === 'string' &&
    isPolicyName(o.p) &&
    Array.isArray(o.ps) &&
    o.ps.every((p) => typeof p === 'string' && isPolicyName(p)) &&
    typeof o.c === 'string' &&
    Array.isArray(o.ids) &&
    typeof o.w === 'number' &&
    ((Array.isArray(o.x) && o.x.length === o.ids.length * o.w) ||
      (typeof o.xb === 'string' && Buffer.byteLength(o.xb, 'base64') === o.ids.length * o.w * 8));
  return ok ? (o as unknown as ScoredEventLine) : null;
}

function decodeRows(b64: string): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  // Copied into a buffer of its own: a Buffer's offset in Node's pool is not always 8-byte aligned.
  const x = new Float64Array(bytes.length / 8);
  new Uint8Array(x.buffer).set(bytes);
  return x;
}
