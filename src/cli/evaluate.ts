import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { evaluateLog, logFiles } from '../evaluation/mod.js';
import { evaluationChart } from './charts.js';
import { printEvaluation } from './report.js';

const USAGE = `usage: npm run evaluate -- --log <dir> [--from <RFC 3339>] [--to <RFC 3339>]
       [--window <seconds>] [--chart <file.svg>] [--json] [--progress]
  --log       the decision log: {STATE_DIR}/decisions, or a STATE_DIR that holds one
  --from/--to the decisions to evaluate (default: the whole log / now)
  --window    REWARD_WINDOW_S: unrewarded decisions older than this count with reward 0 (default 86400)
  --chart     where to write the SVG chart of each policy's estimates (default evaluation.svg)
  --json      print the evaluation as JSON instead of a table
  --progress  always show the progress bar (default: on a terminal, for logs over 4 MiB)`;

const PROGRESS_FROM_BYTES = 4 * 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      log: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      window: { type: 'string', default: process.env.REWARD_WINDOW_S ?? '86400' },
      chart: { type: 'string', default: 'evaluation.svg' },
      json: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || values.log === undefined) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const dir = existsSync(join(values.log, 'decisions')) ? join(values.log, 'decisions') : values.log;
  const now = Date.now();
  const time = (name: string, v: string | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new UsageError(`--${name}: not a timestamp: ${v}`);
    return t;
  };
  const fromMs = time('from', values.from, 0);
  const toMs = time('to', values.to, now);
  const windowS = Number(values.window);
  if (!(windowS > 0)) throw new UsageError(`--window: not a positive number of seconds: ${values.window}`);
  if (fromMs > toMs) throw new UsageError('--from is after --to');
  if (!existsSync(dir)) throw new UsageError(`--log: no such directory: ${dir}`);

  const total = (await logFiles(dir, fromMs, toMs + windowS * 1000)).reduce((s, f) => s + f.size, 0);
  const showBar = values.progress || (process.stderr.isTTY === true && total > PROGRESS_FROM_BYTES);
  const bar = showBar
    ? new SingleBar({
        stream: process.stderr,
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 500,
        format: 'reading the log [{bar}] {percentage}% | {value}/{total} MiB | eta {eta}s',
      })
    : null;
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
  bar?.start(mib(total), 0);
  const result = await evaluateLog(
    dir,
    { fromMs, toMs, windowMs: windowS * 1000, nowMs: now },
    bar ? (read) => bar.update(mib(read)) : undefined,
  );
  bar?.update(mib(total));
  bar?.stop();

  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : printEvaluation(result));
  if (result.rows.length > 0) {
    await writeFile(values.chart, await evaluationChart(result.rows));
    process.stderr.write(`chart: ${values.chart}\n`);
  }
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `evaluate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
