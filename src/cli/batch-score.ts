import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config/env.js';
import type { ScoreBatchResult } from '../contract/mod.js';
import { isPolicyName, POLICIES } from '../policies/mod.js';
import { scoreBatch } from '../scoring/batch-scoring.js';
import { buildServices } from '../services.js';

const USAGE = `usage: npm run -s batch-score -- --policy <linucb_v1|egreedy_v1|egreedy_v2> [--chunk N] < in.jsonl > out.jsonl

Each input line is a score request body; each output line, in input order, is its score response or
an error object ({ error, message, detail? }). Uses STATE_DIR and the other service variables; results
are recorded decisions, rewardable by event like /score/batch results.`;

/** Inputs of at least this many lines get a progress bar on stderr. */
const PROGRESS_FROM = 1000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      policy: { type: 'string' },
      chunk: { type: 'string', default: '2000' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.policy || !isPolicyName(values.policy)) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const chunk = Number(values.chunk);
  if (!Number.isInteger(chunk) || chunk < 1) {
    process.stderr.write('--chunk must be a positive integer\n');
    return 2;
  }
  const spec = POLICIES[values.policy];

  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() !== '') lines.push(line);
  }

  // Logs go to stderr: stdout carries only results. The services only: no HTTP server is built.
  const config = loadConfig();
  const services = await buildServices(config, { logDestination: process.stderr });
  const bar =
    lines.length >= PROGRESS_FROM
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: 'scoring [{bar}] {percentage}% | {value}/{total} | eta {eta}s' },
          cliProgress.Presets.shades_classic,
        )
      : null;
  bar?.start(lines.length, 0);
  let failed = 0;
  try {
    for (let from = 0; from < lines.length; from += chunk) {
      const part = lines.slice(from, from + chunk);
      const items = part.map(parseLine);
      const valid = items.map((it) => ('json' in it ? it.json : undefined));
      const scored = await scoreBatch(services.batchBandit, spec, valid, (i) => ['line', from + i + 1]);
      const out = items.map((it, i): ScoreBatchResult => ('error' in it ? it.error : scored[i]!));
      for (const r of out) if ('error' in r) failed++;
      const text = `${out.map((r) => JSON.stringify(r)).join('\n')}\n`;
      if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
      bar?.update(Math.min(from + chunk, lines.length));
    }
  } finally {
    bar?.stop();
    await services.close();
  }
  process.stderr.write(`scored ${lines.length - failed} of ${lines.length} requests with ${spec.name}\n`);
  return 0;
}

function parseLine(line: string): { json: unknown } | { error: ScoreBatchResult } {
  try {
    return { json: JSON.parse(line) as unknown };
  } catch (err) {
    return { error: { error: 'bad_request', message: `not JSON: ${(err as Error).message}` } };
  }
}

process.exitCode = await main();
