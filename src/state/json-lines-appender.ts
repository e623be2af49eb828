import { type FileHandle, open } from 'node:fs/promises';

export interface JsonLinesAppenderOptions {
  /** FSYNC=1: an append resolves once its line is on disk; else once it has reached the kernel. */
  readonly fsync: boolean;
}

interface Queued {
  readonly path: string;
  readonly line: string;
  resolve(): void;
  reject(e: unknown): void;
}

/**
 * Appends JSON lines with group commit: every line queued while a write is in flight goes out in the
 * next single write (one fsync per batch with FSYNC=1), and each append resolves once its line is
 * durable. Lines may name different files (a new day, a new hour): each run of one file is one write.
 * A crash can tear at most the last line of a file; when a file is opened again, a torn tail is ended
 * with a newline first, so the next line is never glued to the fragment (readers skip the fragment).
 * The one appender of the service's JSON-lines files (the /recommend decision log, the file backend's
 * decision journal).
 */
export class JsonLinesAppender {
  private queue: Queued[] = [];
  private flushing: Promise<void> | null = null;
  private current: { path: string; fh: FileHandle } | null = null;

  constructor(private readonly opts: JsonLinesAppenderOptions) {}

  append(path: string, line: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ path, line, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Waits for what is queued, then closes the open file. */
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
        let start = 0;
        while (start < batch.length) {
          const path = batch[start]!.path;
          let end = start + 1;
          while (end < batch.length && batch[end]!.path === path) end++;
          const run = batch.slice(start, end);
          try {
            const fh = await this.handle(path);
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

  private async handle(path: string): Promise<FileHandle> {
    if (this.current?.path === path) return this.current.fh;
    await this.current?.fh.close();
    this.current = null;
    const fh = await open(path, 'a+');
    try {
      const { size } = await fh.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) await fh.write('\n');
      }
    } catch (err) {
      await fh.close();
      throw err;
    }
    this.current = { path, fh };
    return fh;
  }
}
