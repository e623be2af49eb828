import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { JsonLinesAppender } from '../state/json-lines-appender.js';
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

/**
 * JSON lines in `{dir}/YYYY-MM-DD.jsonl`, one file per UTC day of the record's `ts`, written by the shared
 * group-commit appender: each append resolves once its line has reached the kernel (FSYNC=1: the disk).
 * A crash can tear at most the last line, which the reader skips and counts, and which the appender ends
 * with a newline before it writes to that file again.
 */
export class FileDecisionLog implements DecisionLogSink {
  private readonly appender: JsonLinesAppender;

  constructor(private readonly opts: FileDecisionLogOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.appender = new JsonLinesAppender({ fsync: opts.fsync });
  }

  append(record: DecisionRecord | RewardRecord): Promise<void> {
    return this.appender.append(
      join(this.opts.dir, dayFileName(Date.parse(record.ts))),
      JSON.stringify(record),
    );
  }

  close(): Promise<void> {
    return this.appender.close();
  }
}
