/**
 * `npm run bench:storage`: the figures of issue 12 for STATE_BACKEND=lmdb, with the Python service in the
 * same run. The load generator is wrk with the Lua scripts of bench/anchors/wrk (a JavaScript generator
 * would take a whole core of a 2-core machine). Every service is the real server in its own process.
 *
 *  1. /score/egreedy at saturation (K = 20, 10k users), six consecutive 10 s windows: req/s per window,
 *     the ratio of the last two to the first two, RSS after each window, disk bytes per decision.
 *  2. Reward by event of events scored BENCH_OLD_DECISIONS (default 1,000,000) decisions earlier
 *     (filled through /score/batch), one at a time: client-side latency p50/p99 (an upper bound on the
 *     service time: loopback HTTP included), against events scored just before.
 *  3. Durable rewards (FSYNC=1) by value, 10k users: lmdb and the Python service, interleaved rounds.
 *
 *   BENCH_WINDOW_S=10 BENCH_OLD_DECISIONS=1000000 BENCH_ROUNDS=2 npm run bench:storage
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/net/ports.js';
import { Scratch, waitForOk } from './scratch.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = join(ROOT, 'dist/src/server.js');
const LUA = join(ROOT, 'bench/anchors/wrk');
const PYTHON = join(ROOT, 'bench/anchors/python-service');
const RESULTS = join(ROOT, 'bench/results');
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const OLD = Number(process.env.BENCH_OLD_DECISIONS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const scratch = new Scratch();

interface Service {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function start(cmd: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<Service> {
  const port = await freePort();
  const child = spawn(cmd, [...args, ...(cmd === process.execPath ? [] : ['--port', String(port)])], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'error', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  scratch.track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/health`, child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const node = (env: Record<string, string>) => start(process.execPath, [SERVER], env);
const python = (env: Record<string, string>) =>
  start(
    '/usr/bin/python3',
    ['-m', 'uvicorn', 'seed_fastapi:app', '--host', '127.0.0.1', '--workers', '1', '--log-level', 'warning'],
    { LOG_LEVEL: 'warning', ...env },
    PYTHON,
  );

interface Wrk {
  requests: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
}

function wrk(url: string, script: string, seconds: number, connections = 32): Wrk {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', join(LUA, script), url],
    { encoding: 'utf8' },
  );
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  return {
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN)),
    p50_ms: ms('50%'),
    p99_ms: ms('99%'),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
  };
}

/** Resident MiB: all of it, and the part that is anonymous memory (the heap), not mapped file pages. */
function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS');
}

function anonMiB(pid: number): number {
  return statusMiB(pid, 'RssAnon');
}

function statusMiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).blocks * 512;
  }
  return n;
}

const CANDS = (k: number) =>
  Array.from({ length: k }, (_, i) => ({
    id: `t${i}`,
    priority: i % 5,
    created_at: '2026-11-01T00:00:00Z',
    due_at: i % 2 === 1 ? null : '2026-11-25T00:00:00Z',
  }));

function scoreReq(user: string, k: number) {
  return { user_id: user, now: '2026-11-24T09:30:00Z', timezone: 'Europe/Berlin', candidates: CANDS(k) };
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function rewardLatencies(url: string, events: string[]): Promise<{ p50_ms: number; p99_ms: number }> {
  const lat: number[] = [];
  for (const [i, e] of events.entries()) {
    const t0 = performance.now();
    const r = await postJson(`${url}/reward/egreedy`, {
      user_id: `old${i % 100}`,
      reward: 1,
      event_id: e,
      candidate_id: 't1',
    });
    lat.push(performance.now() - t0);
    if (r.applied !== true) throw new Error(`reward of ${e} not applied`);
  }
  return { p50_ms: Number(quantile(lat, 0.5).toFixed(3)), p99_ms: Number(quantile(lat, 0.99).toFixed(3)) };
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { date: new Date().toISOString(), loadavg_start: loadavg() };
  console.log(
    `storage bench (lmdb default), loadavg ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );

  // 1. Saturated scoring over six windows.
  {
    const dir = scratch.temp('bench-lmdb-score-');
    const s = await node({ STATE_DIR: dir, DECISION_LOG: '0' });
    const warm = wrk(s.url, 'score-egreedy.lua', 3);
    let scored = warm.requests - warm.non2xx;
    const windows: { rps: number; p99_ms: number; rss_mib: number; anon_mib: number }[] = [];
    for (let w = 0; w < 6; w++) {
      const r = wrk(s.url, 'score-egreedy.lua', WINDOW_S);
      scored += r.requests - r.non2xx;
      windows.push({ rps: r.rps, p99_ms: r.p99_ms, rss_mib: rssMiB(s.pid), anon_mib: anonMiB(s.pid) });
      console.log(
        `score window ${w + 1}: ${r.rps} req/s, p99 ${r.p99_ms} ms, RSS ${windows.at(-1)!.rss_mib} MiB (anonymous ${windows.at(-1)!.anon_mib}), non-2xx ${r.non2xx}`,
      );
    }
    const first = (windows[0]!.rps + windows[1]!.rps) / 2;
    const last = (windows[4]!.rps + windows[5]!.rps) / 2;
    const bytes = dirBytes(join(dir, 'lmdb'));
    await s.stop();
    const perDecision = scored > 0 ? Math.round(bytes / scored) : Number.NaN;
    results.score_windows = windows;
    results.score_last2_over_first2 = Number((last / first).toFixed(3));
    results.decisions = scored;
    results.db_bytes = bytes;
    results.bytes_per_decision_k20 = perDecision;
    console.log(
      `score: last two / first two windows = ${(last / first).toFixed(3)} (goal ≥ 0.8); RSS ${windows.map((w) => w.rss_mib).join(' → ')} MiB (goal ≤ 600, flat)`,
    );
    console.log(
      `disk: ${scored} decisions at K = 20 in ${(bytes / 2 ** 20).toFixed(1)} MiB = ${perDecision} bytes per decision (aim ≤ 1 KB)`,
    );
  }

  // 2. Reward by event of events scored OLD decisions earlier.
  {
    const dir = scratch.temp('bench-lmdb-old-');
    const s = await node({ STATE_DIR: dir, DECISION_LOG: '0', BATCH_BODY_LIMIT: String(256 * 2 ** 20) });
    const oldEvents: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = await postJson(`${s.url}/score/egreedy`, scoreReq(`old${i % 100}`, 20));
      oldEvents.push(r.event_id as string);
    }
    const t0 = performance.now();
    const per = 10_000;
    const batch = {
      policy: 'egreedy_v1',
      requests: Array.from({ length: per }, (_, i) => scoreReq(`fill${i % 10_000}`, 3)),
    };
    for (let n = 0; n < OLD; n += per) {
      await postJson(`${s.url}/score/batch`, batch);
      if ((n / per) % 10 === 9)
        process.stdout.write(
          `  filled ${n + per} decisions (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
        );
    }
    const freshEvents: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = await postJson(`${s.url}/score/egreedy`, scoreReq(`old${i % 100}`, 20));
      freshEvents.push(r.event_id as string);
    }
    // Interleaved halves, so that load on the machine falls on both alike.
    const oldA = await rewardLatencies(s.url, oldEvents.slice(0, 500));
    const freshA = await rewardLatencies(s.url, freshEvents.slice(0, 500));
    const oldB = await rewardLatencies(s.url, oldEvents.slice(500));
    const freshB = await rewardLatencies(s.url, freshEvents.slice(500));
    const bytes = dirBytes(join(dir, 'lmdb'));
    const rss = rssMiB(s.pid);
    await s.stop();
    results.old_reward = {
      depth: OLD,
      old: [oldA, oldB],
      fresh: [freshA, freshB],
      db_bytes: bytes,
      rss_mib: rss,
    };
    console.log(
      `reward by event, ${OLD.toLocaleString('en')} decisions later: p50 ${oldA.p50_ms}/${oldB.p50_ms} ms, p99 ${oldA.p99_ms}/${oldB.p99_ms} ms (just-scored events: p99 ${freshA.p99_ms}/${freshB.p99_ms} ms); client-side, loopback HTTP included; db ${(bytes / 2 ** 20).toFixed(0)} MiB, RSS ${rss} MiB`,
    );
  }

  // 3. Durable rewards by value, FSYNC=1, 10k users: lmdb vs the Python service, interleaved.
  {
    const lm = await node({ STATE_DIR: scratch.temp('bench-lmdb-fsync-'), FSYNC: '1', DECISION_LOG: '0' });
    const py = await python({ STATE_DIR: scratch.temp('bench-py-fsync-'), FSYNC: '1' });
    wrk(lm.url, 'reward-by-value.lua', 3);
    wrk(py.url, 'reward-by-value.lua', 3);
    const rows: { round: number; lmdb: Wrk; python: Wrk }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const a = wrk(lm.url, 'reward-by-value.lua', WINDOW_S);
      const b = wrk(py.url, 'reward-by-value.lua', WINDOW_S);
      rows.push({ round: r + 1, lmdb: a, python: b });
      console.log(
        `durable rewards round ${r + 1}: lmdb ${a.rps}/s p99 ${a.p99_ms} ms (non-2xx ${a.non2xx}); python ${b.rps}/s p99 ${b.p99_ms} ms (non-2xx ${b.non2xx}); ratio ${(a.rps / b.rps).toFixed(1)}×`,
      );
    }
    await lm.stop();
    await py.stop();
    results.durable_rewards = rows;
  }

  results.loadavg_end = loadavg();
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, 'storage-lmdb.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

scratch.run(main);
