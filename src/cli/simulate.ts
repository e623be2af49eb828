import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import type { EvaluationResponse } from '../contract/mod.js';
import { freePort, waitForPort } from '../net/ports.js';
import { simulate, type Transport } from '../simulation/mod.js';
import { evaluationChart, regretChart } from './charts.js';
import { interval, table } from './report.js';

const USAGE = `usage: npm run simulate -- [--rounds 5000] [--users 10] [--k 5] [--seed 1]
       [--active egreedy_v1] [--shadows linucb_v1,egreedy_v2] [--epsilon 0.1] [--url <http://host:port>]
       [--out bench/results/simulate]
  Without --url it starts the service (dist/src/server.js) on a free port with a fresh STATE_DIR and
  ACTIVE_POLICY/SHADOW_POLICIES/EGREEDY_EPSILON/EGREEDY_SEED from the flags; with --url it drives that one.`;

const SERVER = fileURLToPath(new URL('../server.js', import.meta.url));

function httpTransport(base: string): Transport {
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5000' },
      users: { type: 'string', default: '10' },
      k: { type: 'string', default: '5' },
      seed: { type: 'string', default: '1' },
      active: { type: 'string', default: 'egreedy_v1' },
      shadows: { type: 'string', default: 'linucb_v1,egreedy_v2' },
      epsilon: { type: 'string', default: '0.1' },
      url: { type: 'string' },
      out: { type: 'string', default: 'bench/results/simulate' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name}: an integer ≥ ${min}, not ${v}`);
    return n;
  };
  const rounds = int('rounds', values.rounds, 2);
  const users = int('users', values.users, 1);
  const k = int('k', values.k, 2);
  const seed = int('seed', values.seed, 0);

  let base = values.url;
  let proc: ChildProcess | null = null;
  let stateDir: string | null = null;
  if (base === undefined) {
    stateDir = mkdtempSync(join(tmpdir(), 'oo-simulate-'));
    const port = await freePort();
    proc = spawn(process.execPath, [SERVER], {
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        STATE_DIR: stateDir,
        LOG_LEVEL: 'warn',
        ACTIVE_POLICY: values.active,
        SHADOW_POLICIES: values.shadows,
        EGREEDY_EPSILON: values.epsilon,
        EGREEDY_SEED: String(seed),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitForPort(port, { process: proc, what: 'the service', timeoutMs: 30_000 });
    base = `http://127.0.0.1:${port}`;
  }
  try {
    const transport = httpTransport(base);
    const bar = new SingleBar({
      stream: process.stderr,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 2000,
      format: 'simulating [{bar}] {value}/{total} rounds | eta {eta}s',
    });
    bar.start(rounds, 0);
    const started = performance.now();
    const sim = await simulate({ transport, rounds, users, k, seed, onRound: (n) => bar.update(n) });
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    const q = new URLSearchParams({ from: sim.fromTs, to: sim.toTs });
    const ev = (await transport('GET', `/evaluation?${q}`)) as EvaluationResponse;

    const out: string[] = [];
    out.push(
      `${rounds} rounds, ${users} users, ${k} candidates, seed ${seed}, ε ${sim.epsilon}, active ${sim.active}: ` +
        `mean reward ${sim.meanReward.toFixed(4)}, ${seconds.toFixed(1)} s (${((2 * rounds) / seconds).toFixed(0)} requests/s)`,
      '',
      table(
        ['policy', 'role', 'regret', '1st half', '2nd half', 'true value'],
        sim.outcomes.map((o) => [o.policy, o.role, o.regret, o.firstHalf, o.secondHalf, o.trueValue]),
      ),
      '',
    );
    const truth = Object.fromEntries(sim.outcomes.map((o) => [o.policy, o.trueValue]));
    out.push(
      table(
        ['policy', 'role', 'n', 'true value', 'IPS', 'SNIPS', 'DR', 'DR 95% interval', 'covered', 'ESS'],
        ev.policies.map((p) => {
          const t = truth[p.policy] ?? null;
          const covered =
            t === null || p.ci95 === null ? '—' : p.ci95[0] <= t && t <= p.ci95[1] ? 'yes' : 'no';
          return [p.policy, p.role, p.n, t, p.ips, p.snips, p.dr, interval(p.ci95), covered, p.ess];
        }),
      ),
      '',
    );
    process.stdout.write(out.join('\n'));

    mkdirSync(values.out, { recursive: true });
    await writeFile(join(values.out, 'regret.svg'), await regretChart(sim.series));
    const evTruth = Object.fromEntries(
      ev.policies.flatMap((p) => (p.policy in truth ? [[p.policy, truth[p.policy]!]] : [])),
    );
    await writeFile(join(values.out, 'evaluation.svg'), await evaluationChart(ev.policies, evTruth));
    await writeFile(
      join(values.out, 'simulate.json'),
      `${JSON.stringify({ rounds, users, k, seed, epsilon: sim.epsilon, seconds, outcomes: sim.outcomes, evaluation: ev }, null, 2)}\n`,
    );
    process.stderr.write(`charts and results: ${values.out}/{regret.svg,evaluation.svg,simulate.json}\n`);
  } finally {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `simulate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${USAGE}\n`,
  );
  process.exit(1);
});
