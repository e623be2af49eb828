import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dayOfFileName, type LogRecord, parseLogLine } from './decision-records.js';

const DAY_MS = 86_400_000;

export interface ReadOptions {
  /** Epoch ms; files of UTC days before this one's day are not opened. */
  readonly fromMs: number;
  /** Epoch ms; files of UTC days after this one's day are not opened. */
  readonly toMs: number;
  /** Told the bytes read so far and the total of the files being read. */
  readonly onProgress?: (readBytes: number, totalBytes: number) => void;
}

export interface ReadStats {
  files: number;
  lines: number;
  /** Torn (a crash mid-write) or unreadable lines, skipped. */
  skipped: number;
}

/** The day files of `dir` that may hold records in [fromMs, toMs], oldest first, with their sizes. */
export async function logFiles(
  dir: string,
  fromMs: number,
  toMs: number,
): Promise<{ path: string; day: number; size: number }[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const first = Math.floor(fromMs / DAY_MS) * DAY_MS;
  const files = names
    .map((name) => ({ path: join(dir, name), day: dayOfFileName(name) }))
    .filter((f): f is { path: string; day: number } => f.day !== null && f.day >= first && f.day <= toMs)
    .sort((a, b) => a.day - b.day);
  return Promise.all(files.map(async (f) => ({ ...f, size: (await stat(f.path)).size })));
}

/**
 * Streams the records of the day files that cover [fromMs, toMs], in file order, one line in memory at
 * a time. Unparseable lines (a torn last line after a crash) are skipped and counted in `stats`.
 */
export async function* readDecisionLog(
  dir: string,
  opts: ReadOptions,
  stats: ReadStats = { files: 0, lines: 0, skipped: 0 },
): AsyncGenerator<LogRecord> {
  const files = await logFiles(dir, opts.fromMs, opts.toMs);
  const total = files.reduce((s, f) => s + f.size, 0);
  let before = 0;
  for (const f of files) {
    stats.files++;
    const input = createReadStream(f.path, { encoding: 'utf8' });
    let sinceReport = 0;
    for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (text.length === 0) continue;
      stats.lines++;
      const record = parseLogLine(text);
      if (record) yield record;
      else stats.skipped++;
      if (opts.onProgress && ++sinceReport >= 4096) {
        sinceReport = 0;
        opts.onProgress(before + input.bytesRead, total);
      }
    }
    before += f.size;
    opts.onProgress?.(before, total);
  }
}
