/**
 * Rewards/s and latency of the state backends, side by side in one run: the embedded store (one process;
 * BENCH_EMBEDDED, default `file`), and JetStream KV on a 3-node cluster with R=3 (rewards stream and
 * buckets) with one replica and with two replicas rewarding the same users at once. Each service
 * is the real built server in its own process; a closed loop of keep-alive HTTP clients sends by-value
 * rewards carrying fresh event ids (so every one is applied and its idempotency key stored). Also
 * measures the watch delay: from a write acknowledged on one replica to the watch event on another.
 *
 *   npm run bench:state     (BENCH_SECONDS=8 BENCH_CONNECTIONS=16 BENCH_USERS=200 BENCH_ROUNDS=3)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pino from 'pino';
import { renderSvg } from '../../src/charts/render-svg.js';
import { freePort } from '../../src/net/ports.js';
import { openNatsKvBackend } from '../../src/state/nats-kv-backend.js';
import { Scratch, waitForOk } from './scratch.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = join(ROOT, 'dist/src/server.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const USERS = Number(process.env.BENCH_USERS ?? 200);
/** The machine is shared: every setup runs this many times, interleaved, and the median is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The embedded backend compared with the shared one. */
const EMBEDDED = process.env.BENCH_EMBEDDED ?? 'file';
const NATS_NODES = 3;

interface Row {
  setup: string;
  replicas: number;
  rewards_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
}

const scratch = new Scratch();

/** A nats-server cluster of `size` JetStream nodes on loopback; resolves with their URLs once it has a meta leader. */
async function startNats(size = NATS_NODES): Promise<string> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = clusterPorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  for (const [i, port] of ports.entries()) {
    const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', scratch.temp('bench-nats-')];
    if (size > 1) {
      args.push(
        '-n',
        `n${i + 1}`,
        '--cluster_name',
        'bench',
        '--cluster',
        `nats://127.0.0.1:${clusterPorts[i]}`,
      );
      args.push('--routes', routes);
    }
    scratch.track(spawn('nats-server', args, { stdio: 'ignore' }));
  }
  const urls = ports.map((p) => `nats://127.0.0.1:${p}`);
  for (let i = 0; i < 200; i++) {
    try {
      const nc = await connect({ servers: urls, timeout: 1000 });
      try {
        await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
        return urls.join(',');
      } finally {
        await nc.close();
      }
    } catch {
      await sleep(200);
    }
  }
  throw new Error('the NATS cluster never elected a JetStream meta leader');
}

async function startService(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const p = spawn(process.execPath, [SERVER], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  scratch.track(p);
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/health`);
  return url;
}

function rewardBody(n: number): string {
  return JSON.stringify({
    user_id: `bench-${n % USERS}`,
    reward: (n % 3) - 1,
    event_id: randomUUID(),
    now: '2026-11-24T09:30:00Z',
    timezone: 'Europe/Berlin',
    candidate: { id: 't1', priority: n % 5, created_at: '2026-11-20T08:00:00Z', due_at: null },
  });
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `connections` clients per target, back to back for SECONDS; latencies of 200s in ms. */
async function load(
  targets: string[],
  seconds = SECONDS,
): Promise<{ ok: number; errors: number; latencies: number[] }> {
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const worker = async (target: string) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL('/reward', target);
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const status = await post(agent, url, rewardBody(n++)).catch(() => 0);
      if (status === 200) latencies.push(performance.now() - t0);
      else errors++;
    }
    agent.destroy();
  };
  await Promise.all(targets.flatMap((t) => Array.from({ length: CONNECTIONS }, () => worker(t))));
  return { ok: latencies.length, errors, latencies };
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function measure(setup: string, targets: string[]): Promise<Row> {
  const r = await load(targets);
  const sorted = r.latencies.sort((a, b) => a - b);
  return {
    setup,
    replicas: targets.length,
    rewards_per_s: Math.round(r.ok / SECONDS),
    p50_ms: Number(quantile(sorted, 0.5).toFixed(2)),
    p99_ms: Number(quantile(sorted, 0.99).toFixed(2)),
    errors: r.errors,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function printRow(row: Row): void {
  console.log(
    `${row.setup.padEnd(10)} ${String(row.replicas).padStart(8)} ${String(row.rewards_per_s).padStart(10)} ${row.p50_ms.toFixed(2).padStart(8)} ${row.p99_ms.toFixed(2).padStart(8)} ${String(row.errors).padStart(6)}`,
  );
}

/** End to end: a reward acknowledged by replica A, until replica B's /stats shows it (B's user is hot). */
async function visibility(
  a: string,
  b: string,
  samples = 50,
): Promise<{ p50_ms: number; p99_ms: number; max_ms: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  const stats = async (user: string) =>
    ((await (await fetch(`${b}/stats/${user}`)).json()) as { n_updates: number }).n_updates;
  const delays: number[] = [];
  for (let i = 0; i < samples; i++) {
    const user = `vis-${i % 5}`;
    const before = await stats(user);
    const status = await post(agent, new URL('/reward', a), rewardBody(i).replace(/bench-\d+/, user));
    if (status !== 200) throw new Error(`reward answered ${status}`);
    const acked = performance.now();
    while ((await stats(user)) <= before) {}
    delays.push(performance.now() - acked);
  }
  agent.destroy();
  const s = delays.sort((x, y) => x - y);
  return {
    p50_ms: Number(quantile(s, 0.5).toFixed(2)),
    p99_ms: Number(quantile(s, 0.99).toFixed(2)),
    max_ms: Number(s[s.length - 1]!.toFixed(2)),
  };
}

/** From a save acknowledged on replica A to the watch event for that revision on replica B. */
async function watchDelay(
  natsUrl: string,
  samples = 300,
): Promise<{ p50_ms: number; p99_ms: number; max_ms: number }> {
  const opts = {
    servers: natsUrl,
    replicas: NATS_NODES,
    stateBucket: 'bench-watch',
    decisionsBucket: 'bench-watch-decisions',
    rewardsStream: 'bench-watch-rewards',
    rewardsMaxAgeMs: 3_600_000,
    windowMs: 60_000,
    timeoutMs: 5000,
    maxCachedDecisions: 1,
    clock: Date.now,
    log: pino({ level: 'silent' }),
  };
  const a = await openNatsKvBackend(opts);
  const b = await openNatsKvBackend(opts);
  const seen = new Map<number, number>();
  await b.store.watch((c) => seen.set(c.revision, performance.now()));
  const delays: number[] = [];
  let revision: number | null = null;
  for (let i = 0; i < samples; i++) {
    const key = { user: `w${i % 10}`, doc: 'linucb_v1' } as const;
    const current = await a.store.load(key);
    revision = await a.store.save(key, { i }, current?.revision ?? null);
    const acked = performance.now();
    while (!seen.has(revision)) await sleep(0);
    // The event can arrive before the ack does: that is no delay at all.
    delays.push(Math.max(0, seen.get(revision)! - acked));
  }
  await a.store.close();
  await b.store.close();
  const s = delays.sort((x, y) => x - y);
  return {
    p50_ms: Number(quantile(s, 0.5).toFixed(3)),
    p99_ms: Number(quantile(s, 0.99).toFixed(3)),
    max_ms: Number(s[s.length - 1]!.toFixed(3)),
  };
}

async function main(): Promise<void> {
  console.log(
    `state backends: ${SECONDS}s per setup and round, ${ROUNDS} rounds, ${CONNECTIONS} connections per replica, ${USERS} users`,
  );
  const file = await startService({ STATE_BACKEND: EMBEDDED, STATE_DIR: scratch.temp('bench-embedded-') });
  const nats = await startNats();
  const kvEnv = {
    STATE_BACKEND: 'nats-kv',
    NATS_KV_URL: nats,
    NATS_KV_REPLICAS: String(NATS_NODES),
    STATE_DIR: scratch.temp('bench-kv-'),
  };
  const kv1 = await startService({
    ...kvEnv,
    NATS_KV_BUCKET: 'bench-one',
    NATS_KV_REWARDS_STREAM: 'bench-one-rewards',
  });
  const kvA = await startService({
    ...kvEnv,
    NATS_KV_BUCKET: 'bench-two',
    NATS_KV_REWARDS_STREAM: 'bench-two-rewards',
  });
  const kvB = await startService({
    ...kvEnv,
    NATS_KV_BUCKET: 'bench-two',
    NATS_KV_REWARDS_STREAM: 'bench-two-rewards',
  });
  const setups: [string, string[]][] = [
    [EMBEDDED, [file]],
    ['nats-kv', [kv1]],
    ['nats-kv', [kvA, kvB]],
  ];
  for (const [, targets] of setups) await load(targets, 2); // warm-up: JIT, caches, buckets
  const rounds: Row[][] = setups.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, [name, targets]] of setups.entries()) rounds[i]!.push(await measure(name, targets));
  }
  const rows: Row[] = rounds.map((rs) => ({
    setup: rs[0]!.setup,
    replicas: rs[0]!.replicas,
    rewards_per_s: median(rs.map((x) => x.rewards_per_s)),
    p50_ms: median(rs.map((x) => x.p50_ms)),
    p99_ms: median(rs.map((x) => x.p99_ms)),
    errors: rs.reduce((n, x) => n + x.errors, 0),
  }));
  console.log(`median of ${ROUNDS} rounds:`);
  console.log(
    `${'setup'.padEnd(10)} ${'replicas'.padStart(8)} ${'rewards/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(6)}`,
  );
  for (const row of rows) printRow(row);
  console.log(
    `rounds (rewards/s): ${rounds.map((rs) => `${rs[0]!.setup}×${rs[0]!.replicas} ${rs.map((x) => x.rewards_per_s).join('/')}`).join(', ')}`,
  );

  const seen = await visibility(kvA, kvB);
  console.log(
    `reward acked by A → visible in B's /stats (50 rewards): p50 ${seen.p50_ms} ms, p99 ${seen.p99_ms} ms, max ${seen.max_ms} ms`,
  );
  const watch = await watchDelay(nats);
  console.log(
    `watch delay (ack on A → event on B, 300 writes): p50 ${watch.p50_ms} ms, p99 ${watch.p99_ms} ms, max ${watch.max_ms} ms`,
  );

  const results = join(ROOT, 'bench/results');
  mkdirSync(results, { recursive: true });
  const meta = {
    seconds: SECONDS,
    nats_nodes: NATS_NODES,
    stream_replicas: NATS_NODES,
    rounds: ROUNDS,
    connections_per_replica: CONNECTIONS,
    users: USERS,
    node: process.version,
    cpus: availableParallelism(),
    date: new Date().toISOString(),
  };
  writeFileSync(
    join(results, 'state.json'),
    `${JSON.stringify({ ...meta, rows, rounds, watch_delay: watch, stats_visibility: seen }, null, 2)}\n`,
  );
  const svg = await renderSvg({
    title: 'Rewards/s by state backend',
    data: { values: rows.map((r) => ({ ...r, label: `${r.setup} ×${r.replicas}` })) },
    mark: 'bar',
    encoding: {
      x: { field: 'label', type: 'nominal', title: null, sort: null },
      y: { field: 'rewards_per_s', type: 'quantitative', title: 'rewards/s' },
      tooltip: [{ field: 'p99_ms' }],
    },
  });
  writeFileSync(join(results, 'state.svg'), svg);
  console.log('wrote bench/results/state.json and bench/results/state.svg');
}

scratch.run(main);
