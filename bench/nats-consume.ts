/**
 * How fast the JetStream consumers apply rewards, by NATS_CONCURRENCY: N by-value rewards (distinct event
 * ids over U users) wait in the `feedback` stream; the app starts and the clock runs until the last one is
 * persisted and acked. A real nats-server on a free port, the default state backend (lmdb) in a temporary directory.
 *
 *   npm run build && node dist/bench/nats-consume.js [N] [U]
 *
 * Prints a table and writes bench/results/nats-consume.json and .svg.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { buildApp } from '../src/app.js';
import { renderSvg } from '../src/charts/render-svg.js';
import { configWith } from '../src/config/env.js';
import { freePort } from '../src/net/ports.js';

const N = Number(process.argv[2] ?? 5000);
const USERS = Number(process.argv[3] ?? 200);
const CONCURRENCY = [1, 8, 32, 64, 128];
// Run from the repository root; the compiled file lives in dist/bench/, the results in bench/results/.
const RESULTS = join(process.cwd(), 'bench', 'results');

async function natsServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oo-bench-nats-'));
  const proc: ChildProcess = spawn(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    {
      stdio: 'ignore',
    },
  );
  for (;;) {
    const up = await new Promise<boolean>((r) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (up) break;
    await sleep(50);
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    stop: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Row {
  concurrency: number;
  messages: number;
  users: number;
  seconds: number;
  msgs_per_s: number;
}

async function run(concurrency: number): Promise<Row> {
  const server = await natsServer();
  const stateDir = mkdtempSync(join(tmpdir(), 'oo-bench-state-'));
  const nc = await connect({ servers: server.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'feedback', subjects: ['feedback.>'] });
    const js = jetstream(nc);
    const acks = [];
    for (let i = 0; i < N; i++) {
      const body = {
        user_id: `u${i % USERS}`,
        reward: i % 3 === 0 ? 1 : 0,
        event_id: `ev-${i}`,
        candidate: { id: `t${i % 5}`, priority: i % 5, created_at: '2026-11-20T08:00:00Z' },
        now: '2026-11-24T09:30:00Z',
      };
      acks.push(js.publish('feedback.reward.egreedy_v1', JSON.stringify(body)));
      if (acks.length >= 256) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);

    const t0 = performance.now();
    const app = await buildApp(
      configWith({
        NATS_URL: server.url,
        STATE_DIR: stateDir,
        NATS_CONCURRENCY: String(concurrency),
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      for (;;) {
        const h = (await app.inject({ method: 'GET', url: '/health' })).json();
        if (h.nats.consumers.feedback.processed >= N) break;
        await sleep(5);
      }
    } finally {
      await app.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    return { concurrency, messages: N, users: USERS, seconds, msgs_per_s: N / seconds };
  } finally {
    await nc.close();
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const c of CONCURRENCY) rows.push(await run(c));

console.log(`feedback.reward.egreedy_v1 → persisted and acked: ${N} messages over ${USERS} users, FSYNC=0`);
console.log(`${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
console.log('| NATS_CONCURRENCY | seconds | messages/s |');
console.log('|---:|---:|---:|');
for (const r of rows)
  console.log(`| ${r.concurrency} | ${r.seconds.toFixed(2)} | ${Math.round(r.msgs_per_s)} |`);

mkdirSync(RESULTS, { recursive: true });
writeFileSync(
  join(RESULTS, 'nats-consume.json'),
  `${JSON.stringify({ when: new Date().toISOString(), cpus: cpus().length, node: process.version, rows }, null, 2)}\n`,
);
const svg = await renderSvg({
  title: `JetStream rewards applied per second (${N} messages, ${USERS} users)`,
  data: { values: rows },
  mark: { type: 'bar' },
  encoding: {
    x: { field: 'concurrency', type: 'ordinal', title: 'NATS_CONCURRENCY' },
    y: { field: 'msgs_per_s', type: 'quantitative', title: 'messages / s' },
  },
  width: 360,
  height: 220,
});
writeFileSync(join(RESULTS, 'nats-consume.svg'), svg);
