import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSvg } from '../../src/charts/render-svg.js';
import { freePort, waitForPort } from '../../src/net/ports.js';
import { buildRev } from './revisions.js';

/**
 * `npm run bench:http`: issue 13's figures, the service and the Python service side by side in one run.
 * Every target runs as `npm start` would, loaded by Debian's wrk (-t1 -c32, a Lua script that builds
 * each body) and by bench/http/paced.c (open loop at a fixed rate, latency from the scheduled send).
 * Server CPU per request is the server process's utime+stime (/proc/PID/stat: what process.cpuUsage()
 * reads) over the run, divided by the answers.
 *   BENCH_DURATION_S  seconds per measurement (default 10)
 *   BENCH_ROUNDS      interleaved rounds over all targets (default 2)
 *   BENCH_REVS        git revisions also built and measured, for before/after (default: none)
 *   BENCH_PYTHON      0 leaves the Python service out (default 1)
 *   BENCH_PACED_RATE  open-loop rate, req/s (default 5000)
 *   BENCH_LABEL       key of this run in bench/results/http-wrk.json (default "latest")
 */
// BENCH_ROOT: the checkout, when this script was compiled elsewhere (to leave dist/ alone while tests run).
const ROOT = process.env.BENCH_ROOT ?? fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS = join(ROOT, 'bench/results');
const ANCHORS = join(ROOT, '../shared/anchors');
const WRK_SCORE = join(ANCHORS, 'wrk/score-egreedy.lua');
const WRK_RECOMMEND = join(ROOT, 'bench/http/recommend.lua');
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const REVS = (process.env.BENCH_REVS ?? '').split(',').filter(Boolean);
const PYTHON = process.env.BENCH_PYTHON !== '0';
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 5000);
const LABEL = process.env.BENCH_LABEL ?? 'latest';
// The same body as score-egreedy.lua: K = 20, 10k users, Europe/Berlin.
const CANDIDATES = Array.from(
  { length: 20 },
  (_, i) =>
    `{"id":"t${i}","priority":${i % 5},"created_at":"2026-11-01T00:00:00Z","due_at":${i % 2 === 1 ? 'null' : '"2026-11-25T00:00:00Z"'}}`,
).join(',');
const BODY_TEMPLATE = `{"user_id":"load%d","now":"2026-11-24T09:30:00Z","timezone":"Europe/Berlin","candidates":[${CANDIDATES}]}`;

interface Target {
  readonly name: string;
  readonly kind: 'node' | 'python';
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
}

interface Measurement {
  readonly target: string;
  readonly round: number;
  readonly test: 'score' | 'recommend' | 'paced';
  readonly reqPerS: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly cpuUsPerReq: number;
  readonly answered: number;
}

/** utime + stime of a process, µs (/proc/PID/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function waitListening(port: number, proc: ChildProcess, what: string): Promise<void> {
  await waitForPort(port, { process: proc, what, timeoutMs: 120_000 });
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };
}

/** The service as `npm start` runs it from `dir` (its own start script decides UV_THREADPOOL_SIZE). */
async function startNode(name: string, dir: string): Promise<Target> {
  const port = await freePort();
  const start = (
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    STATE_DIR: mkdtempSync(join(tmpdir(), 'oo-bench-state-')),
    LOG_LEVEL: undefined,
    UV_THREADPOOL_SIZE: start.includes('UV_THREADPOOL_SIZE') ? '16' : undefined,
  };
  const proc = spawn(process.execPath, [join(dir, 'dist/src/server.js')], {
    cwd: dir,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitListening(port, proc, name);
  return { name, kind: 'node', pid: proc.pid!, port, stop: stopper(proc) };
}

async function startPython(): Promise<Target> {
  const port = await freePort();
  const proc = spawn(
    '/usr/bin/python3',
    [
      '-m',
      'uvicorn',
      'seed_fastapi:app',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--log-level',
      'warning',
    ],
    {
      cwd: join(ANCHORS, 'python-service'),
      env: { ...process.env, STATE_DIR: mkdtempSync(join(tmpdir(), 'oo-bench-py-')) },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitListening(port, proc, 'python service');
  return { name: PYTHON_NAME, kind: 'python', pid: proc.pid!, port, stop: stopper(proc) };
}

function wrk(t: Target, script: string, seconds: number) {
  const out = execFileSync(
    'wrk',
    ['-t1', '-c32', `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${t.port}`],
    { encoding: 'utf8' },
  );
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  const unit = (v: string, u: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? Number.NaN);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  return {
    requests: num(/(\d+) requests in/),
    reqPerS: num(/Requests\/sec:\s+([\d.]+)/),
    p99Ms: p99 ? unit(p99[1]!, p99[2]!) : Number.NaN,
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/) || 0,
  };
}

function paced(t: Target, seconds: number, rate = PACED_RATE) {
  const out = execFileSync(
    PACED_BIN,
    ['127.0.0.1', String(t.port), '/score/egreedy', BODY_TEMPLATE, String(rate), String(seconds), '32'],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as { ok: number; non2xx: number; unanswered: number; p99: number; elapsed: number };
}

const PACED_BIN = join(tmpdir(), 'oo-bench-paced');
const PYTHON_NAME = 'python (FastAPI)';

async function measure(t: Target, round: number): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const closed = (test: 'score' | 'recommend', script: string) => {
    const before = cpuUs(t.pid);
    const r = wrk(t, script, DURATION);
    const answered = r.requests;
    out.push({
      target: t.name,
      round,
      test,
      reqPerS: r.reqPerS,
      p99Ms: r.p99Ms,
      non2xx: r.non2xx,
      cpuUsPerReq: (cpuUs(t.pid) - before) / answered,
      answered,
    });
  };
  closed('score', WRK_SCORE);
  if (t.kind === 'node') closed('recommend', WRK_RECOMMEND);
  const before = cpuUs(t.pid);
  const p = paced(t, DURATION);
  out.push({
    target: t.name,
    round,
    test: 'paced',
    // Answers over the time until the last one (a server behind schedule drains past the run).
    reqPerS: p.ok / p.elapsed,
    p99Ms: p.p99,
    non2xx: p.non2xx + p.unanswered,
    cpuUsPerReq: (cpuUs(t.pid) - before) / Math.max(1, p.ok + p.non2xx),
    answered: p.ok,
  });
  for (const m of out.filter((m) => m.round === round))
    process.stderr.write(
      `  ${t.name} ${m.test}: ${m.reqPerS.toFixed(0)} req/s, p99 ${m.p99Ms.toFixed(2)} ms, ${m.cpuUsPerReq.toFixed(0)} µs CPU/req, non-2xx ${m.non2xx}\n`,
    );
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function summary(all: Measurement[], targets: Target[]): string {
  const cell = (name: string, test: Measurement['test'], f: (m: Measurement) => number, digits = 0) => {
    const ms = all.filter((m) => m.target === name && m.test === test);
    if (ms.length === 0) return '–';
    const vals = ms.map(f);
    return `${median(vals).toFixed(digits)} (${Math.min(...vals).toFixed(digits)}–${Math.max(...vals).toFixed(digits)})`;
  };
  const py = all.filter((m) => m.target === PYTHON_NAME && m.test === 'score');
  const pyRate = median(py.map((m) => m.reqPerS));
  const lines = [
    `| target | /score/egreedy req/s | ×python | p99 ms | CPU µs/req | /recommend req/s | paced ${PACED_RATE}/s: served/s | p99 from schedule ms | CPU µs/req | non-2xx |`,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...targets.map((t) => {
      const score = median(
        all.filter((m) => m.target === t.name && m.test === 'score').map((m) => m.reqPerS),
      );
      const nonOk = all.filter((m) => m.target === t.name).reduce((s, m) => s + m.non2xx, 0);
      return `| ${t.name} | ${cell(t.name, 'score', (m) => m.reqPerS)} | ${(score / pyRate).toFixed(2)} | ${cell(t.name, 'score', (m) => m.p99Ms, 2)} | ${cell(t.name, 'score', (m) => m.cpuUsPerReq)} | ${cell(t.name, 'recommend', (m) => m.reqPerS)} | ${cell(t.name, 'paced', (m) => m.reqPerS)} | ${cell(t.name, 'paced', (m) => m.p99Ms, 2)} | ${cell(t.name, 'paced', (m) => m.cpuUsPerReq)} | ${nonOk} |`;
    }),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  execFileSync('gcc', ['-O2', '-o', PACED_BIN, join(ROOT, 'bench/http/paced.c')]);
  const started = new Date().toISOString();
  const dirs = REVS.map((rev) => ({ name: `rev ${rev}`, dir: buildRev(ROOT, rev) }));
  const targets: Target[] = [];
  try {
    for (const d of dirs) targets.push(await startNode(d.name, d.dir));
    targets.push(await startNode('this tree', ROOT));
    if (PYTHON) targets.push(await startPython());
    // Warm-up: every one of the 10k users' state loaded once (2500/s × 4 s), JIT warm.
    for (const t of targets) {
      paced(t, 4, 2500);
      if (t.kind === 'node') wrk(t, WRK_RECOMMEND, 2);
    }
    const all: Measurement[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`round ${round}/${ROUNDS}\n`);
      // Interleaved: each round visits every target, in an order rotated by the round.
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]!);
      for (const t of order) all.push(...(await measure(t, round)));
    }
    const table = summary(all, targets);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`;
    const text = `### bench:http (${LABEL}), ${started}\n\n${machine}; ${DURATION} s per measurement, ${ROUNDS} interleaved rounds; median (min–max).\n\n${table}\n`;
    process.stdout.write(`\n${text}\n`);
    mkdirSync(RESULTS, { recursive: true });
    const file = join(RESULTS, 'http-wrk.json');
    const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
    saved[LABEL] = {
      started,
      machine,
      durationS: DURATION,
      rounds: ROUNDS,
      pacedRate: PACED_RATE,
      measurements: all,
      table,
    };
    writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
    const md = join(RESULTS, 'http-wrk.md');
    const old = existsSync(md) ? readFileSync(md, 'utf8').split(/(?=^### bench:http )/m) : [];
    writeFileSync(
      md,
      [...old.filter((s) => !s.startsWith(`### bench:http (${LABEL})`)), `${text}\n`].join(''),
    );
    await writeSvg(join(RESULTS, `http-wrk-${LABEL}.svg`), {
      title: `bench:http (${LABEL}): ${DURATION} s runs, wrk -t1 -c32 and paced ${PACED_RATE}/s`,
      data: {
        values: all.map((m) => ({ ...m, test: m.test === 'paced' ? `paced ${PACED_RATE}/s` : m.test })),
      },
      hconcat: [
        panel('answers per second', 'reqPerS', 'req/s'),
        panel('p99 latency (paced: from the scheduled send)', 'p99Ms', 'ms', { type: 'log' }),
        panel('server CPU per request', 'cpuUsPerReq', 'µs'),
      ],
    });
  } finally {
    for (const t of targets) await t.stop();
  }
}

/** One panel of the chart: a point per target and test, `field` on the x axis. */
function panel(title: string, field: string, unit: string, scale?: { type: 'log' }) {
  return {
    title,
    mark: { type: 'point', filled: true },
    encoding: {
      y: { field: 'target', type: 'nominal', title: null },
      x: { field, type: 'quantitative', title: unit, ...(scale ? { scale } : {}) },
      color: { field: 'test', type: 'nominal' },
    },
    width: 320,
  } as const;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
