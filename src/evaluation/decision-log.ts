import { mkdirSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { type DecisionRecord, dayFileName, type RewardRecord } from './decision-records.js';

/**
 * Where decisions and their rewards go. The file log is one sink; a NATS publisher (the `decisions`
 * stream) is another; `fanOut` sends to several. `append` resolves once the record is durable there.
 */
export interface DecisionLogSink {
  append(record: DecisionRecord | RewardRecord): Promise<void>;
  close(): Promise<void>;
}

/** Every sink gets every record; the append resolves when all of them have it. */
export function fanOut(sinks: readonly DecisionLogSink[]): DecisionLogSink {
  return {
    append: async (r) => {
      await Promise.all(sinks.map((s) => s.append(r)));
    },
    close: async () => {
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}

export interface FileDecisionLogOptions {
  /** `{STATE_DIR}/decisions`. */
  readonly dir: string;
  readonly fsync: boolean;
}

interface Queued {
  readonly file: string;
  readonly line: string;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * JSON lines in `{dir}/YYYY-MM-DD.jsonl`, one file per UTC day of the record's `ts`, appended with group
 * commit: the lines queued while one write is in flight go out together in the next write, and each
 * append resolves once its line has reached the kernel (FSYNC=1: the disk). A crash can tear at most the
 * last line, which the reader skips and counts.
 */
export class FileDecisionLog implements DecisionLogSink {
  private queue: Queued[] = [];
  private flushing: Promise<void> | null = null;
  private current: { file: string; fh: FileHandle } | null = null;

  constructor(private readonly opts: FileDecisionLogOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  append(record: DecisionRecord | RewardRecord): Promise<void> {
    const file = dayFileName(Date.parse(record.ts));
    const line = JSON.stringify(record);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ file, line, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.current?.fh.close();
    this.current = null;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        // Around midnight a batch may span two days: write each day's run of lines to its own file.
        let start = 0;
        while (start < batch.length) {
          const file = batch[start]!.file;
          let end = start + 1;
          while (end < batch.length && batch[end]!.file === file) end++;
          const run = batch.slice(start, end);
          try {
            const fh = await this.handle(file);
            await fh.write(`${run.map((b) => b.line).join('\n')}\n`);
            if (this.opts.fsync) await fh.datasync();
            for (const b of run) b.resolve();
          } catch (err) {
            for (const b of run) b.reject(err);
          }
          start = end;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async handle(file: string): Promise<FileHandle> {
    if (this.current?.file === file) return this.current.fh;
    await this.current?.fh.close();
    this.current = null;
    const fh = await open(join(this.opts.dir, file), 'a+');
    // A crash may have left a torn last line: end it, or the next line would be glued to it and lost too.
    const { size } = await fh.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await fh.write('\n');
    }
    this.current = { file, fh };
    return fh;
  }
}
