import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { writeSvg } from '../../src/charts/render-svg.js';
import { rewardBody, scoreBody } from './bodies.js';
import { type LoadResult, runLoad } from './load.js';
import { type ServerProcess, startServer } from './server-process.js';

/**
 * `npm run bench:http`: the real server in its own process, loaded over loopback by autocannon from
 * this one. Prints the tables, writes bench/results/http-*.json and the charts.
 *   BENCH_DURATION_S   seconds per load step (default 10)
 *   BENCH_ONLY         comma list of score,reward,overload,memory (default: all)
 *   BENCH_MEMORY_USERS distinct users in the memory run (default 200000)
 */
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const DURATION = Number(process.env.BENCH_DURATION_S ?? 10);
const ONLY = new Set((process.env.BENCH_ONLY ?? 'score,reward,overload,memory').split(','));
const MEMORY_USERS = Number(process.env.BENCH_MEMORY_USERS ?? 200_000);
const USERS = 10_000;
const K = 20;
const CONNECTIONS = 32;

const stateDirs: string[] = [];
function freshStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'oo-bench-'));
  stateDirs.push(dir);
  return dir;
}

async function withServer<T>(env: Record<string, string>, fn: (s: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer({ STATE_DIR: freshStateDir(), ...env });
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

const fmt = (n: number | null, digits = 2) => (n === null || Number.isNaN(n) ? '–' : n.toFixed(digits));

interface Step {
  readonly title: string;
  readonly started: string;
  readonly loadavg: number[];
  readonly rows: LoadResult[];
}

function readJson(path: string): Record<string, unknown> | null {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : null;
}

function table(title: string, rows: LoadResult[], print = true): string {
  const lines = [
    `### ${title}`,
    '',
    '| endpoint | offered (req/s) | conns | 2xx/s | p50 ms | p99 ms | p99.9 ms | max ms | 503 | 503 p99 ms | other | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.path} | ${r.offered} | ${r.connections} | ${fmt(r.okPerS, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.p999)} | ${fmt(r.max, 1)} | ${r.overloaded} | ${fmt(r.overloadedP99)} | ${r.otherStatus} | ${r.errors} |`,
    ),
    '',
  ];
  const text = lines.join('\n');
  if (print) process.stdout.write(`${text}\n`);
  return text;
}

/** Touches every user once (cold state loads, first file writes) so the measured steps see a warm cache. */
async function warm(url: string, path: string, body: (i: number) => string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let i = 0;
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        amount: USERS * 2,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            path,
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: body(i++) }),
          },
        ],
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}

/** Fixed rates up to the goal, then saturation. */
async function sweep(
  url: string,
  path: string,
  body: (i: number) => string,
  rates: number[],
): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (const rate of [...rates, undefined]) {
    const r = await runLoad({ url, path, body, connections: CONNECTIONS, durationS: DURATION, rate });
    out.push(r);
    process.stderr.write(
      `  ${path} @ ${rate ?? 'max'}: ${fmt(r.okPerS, 0)}/s p99 ${fmt(r.p99)} ms p99.9 ${fmt(r.p999)} ms\n`,
    );
  }
  return out;
}

interface MemorySample {
  users: number;
  rssMiB: number;
}

async function metricsOf(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^bandit_cache_entries\{cache="([^"]+)"\} (\S+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

/**
 * 200k distinct users, each: a score on each of the three policies (K = 20 on egreedy_v1, 5 on the
 * others) and a reward, so every user has all three states cached. RSS is sampled against users seen;
 * the bounded caches must stop it growing.
 */
async function memoryRun(env: Record<string, string>, users: number) {
  return withServer(env, async (server) => {
    const score = scoreBody(users, K);
    const scoreSmall = scoreBody(users, 5);
    const reward = rewardBody(users);
    // Scoring puts all three policy states of the user in the cache; the reward writes its file.
    const steps = ['/score/egreedy', '/score', '/score/egreedy/v2', '/reward/egreedy'];
    const bodies = [score, scoreSmall, scoreSmall, reward];
    const total = users * steps.length;
    let i = 0;
    const baseline = server.rss();
    const samples: MemorySample[] = [{ users: 0, rssMiB: baseline / 2 ** 20 }];
    const started = Date.now();
    const done = new Promise<{ non2xx: number; errors: number }>((resolve, reject) => {
      autocannon(
        {
          url: server.url,
          connections: CONNECTIONS,
          amount: total,
          timeout: 30,
          requests: [
            {
              method: 'POST',
              path: '/score/egreedy',
              headers: { 'content-type': 'application/json' },
              setupRequest: (req) => {
                const n = i++;
                const user = Math.floor(n / steps.length);
                const step = n % steps.length;
                return { ...req, path: steps[step]!, body: bodies[step]!(user) };
              },
            },
          ],
        },
        (err, result) => (err ? reject(err) : resolve({ non2xx: result.non2xx, errors: result.errors })),
      );
    });
    let finished = false;
    const sampler = (async () => {
      while (!finished) {
        await sleep(1000);
        samples.push({ users: Math.floor(i / steps.length), rssMiB: server.rss() / 2 ** 20 });
        if (samples.length % 10 === 0) {
          const last = samples.at(-1)!;
          process.stderr.write(`  memory: ${last.users} users, RSS ${fmt(last.rssMiB, 0)} MiB\n`);
        }
      }
    })();
    const outcome = await done;
    finished = true;
    await sampler;
    samples.push({ users: users, rssMiB: server.rss() / 2 ** 20 });
    const caches = await metricsOf(server.url);
    return {
      env,
      users: users,
      requests: total,
      seconds: (Date.now() - started) / 1000,
      ...outcome,
      baselineMiB: baseline / 2 ** 20,
      finalMiB: samples.at(-1)!.rssMiB,
      peakMiB: Math.max(...samples.map((s) => s.rssMiB)),
      caches,
      samples,
    };
  });
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  const started = new Date().toISOString();
  const machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? '?',
    node: process.version,
    loadavg: loadavg(),
  };
  process.stdout.write(
    `# bench/http — ${started}, ${machine.cpus} × ${machine.model}, node ${machine.node}, load average ${machine.loadavg.map((l) => l.toFixed(1)).join(' ')}\n\n`,
  );
  // Steps of earlier runs stay unless this run measured them again (BENCH_ONLY=overload,memory …).
  const load: Record<string, Step> =
    (readJson(join(RESULTS, 'http-load.json'))?.load as Record<string, Step>) ?? {};
  const step = (title: string, rows: LoadResult[]): Step => {
    table(title, rows);
    return { title, started, loadavg: machine.loadavg, rows };
  };
  let scoreCapacity = Number.NaN;

  if (ONLY.has('score') || ONLY.has('overload')) {
    await withServer({}, async (server) => {
      const body = scoreBody(USERS, K);
      await warm(server.url, '/score/egreedy', body);
      if (ONLY.has('score')) {
        const rows = await sweep(server.url, '/score/egreedy', body, [2_500, 5_000, 10_000]);
        load.score = step(`/score/egreedy, K = ${K}, ${USERS} users`, rows);
        scoreCapacity = rows.at(-1)!.okPerS;
      }
    });
  }
  if (ONLY.has('overload')) {
    // A fresh server with the default limits (MAX_INFLIGHT 64, MAX_QUEUE 64); twice the measured
    // capacity offered over more connections than the limits admit.
    await withServer({}, async (server) => {
      const body = scoreBody(USERS, K);
      await warm(server.url, '/score/egreedy', body);
      if (Number.isNaN(scoreCapacity)) {
        scoreCapacity = (
          await runLoad({
            url: server.url,
            path: '/score/egreedy',
            body,
            connections: CONNECTIONS,
            durationS: 5,
          })
        ).okPerS;
      }
      const rate = Math.round(2 * scoreCapacity);
      const rows: LoadResult[] = [];
      for (const connections of [CONNECTIONS, 1_024]) {
        const r = await runLoad({
          url: server.url,
          path: '/score/egreedy',
          body,
          connections,
          durationS: DURATION,
          rate,
        });
        rows.push(r);
        process.stderr.write(
          `  overload ${connections} conns: ${r.overloaded} × 503, p99 ${fmt(r.p99)} ms\n`,
        );
      }
      load.overload = step(`Overload: 2 × capacity (${rate} req/s offered) on /score/egreedy`, rows);
    });
  }
  if (ONLY.has('reward')) {
    for (const fsync of ['1', '0']) {
      await withServer({ FSYNC: fsync }, async (server) => {
        const body = rewardBody(USERS);
        await warm(server.url, '/reward/egreedy', body);
        const rows = await sweep(
          server.url,
          '/reward/egreedy',
          body,
          fsync === '1' ? [1_000, 2_500, 5_000] : [],
        );
        load[`reward_fsync${fsync}`] = step(`/reward/egreedy by value, ${USERS} users, FSYNC=${fsync}`, rows);
      });
    }
  }
  writeFileSync(
    join(RESULTS, 'http-load.json'),
    `${JSON.stringify({ started, machine, durationS: DURATION, users: USERS, k: K, load }, null, 2)}\n`,
  );

  const points = Object.entries(load).flatMap(([series, { rows }]) =>
    rows.flatMap((r) =>
      (['p50', 'p99', 'p999'] as const).map((q) => ({
        series,
        quantile: q === 'p999' ? 'p99.9' : q,
        served: Math.round(r.okPerS),
        ms: r[q],
      })),
    ),
  );
  if (points.length > 0) {
    await writeSvg(join(RESULTS, 'http-latency.svg'), {
      title: 'Latency against served load (loopback, autocannon)',
      data: { values: points },
      width: 520,
      height: 300,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'served', type: 'quantitative', title: '2xx answers / s' },
        y: { field: 'ms', type: 'quantitative', title: 'latency (ms)', scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal' },
        strokeDash: { field: 'quantile', type: 'nominal' },
      },
    });
  }

  if (ONLY.has('memory')) {
    const configs = [
      {
        name: 'all caches',
        users: MEMORY_USERS,
        env: { USER_CACHE_SIZE: '30000', FEATURE_BUFFER_USERS: '10000', DECISION_CACHE_MAX: '50000' },
      },
      {
        // Rings and decisions held to one entry: what is left is the policy-state cache.
        name: 'policy states only',
        users: Math.round(MEMORY_USERS / 4),
        env: { USER_CACHE_SIZE: '30000', FEATURE_BUFFER_USERS: '1', DECISION_CACHE_MAX: '1' },
      },
      {
        // The same traffic with every cache at (almost) nothing: what RSS is without cached users.
        name: 'no caches',
        users: Math.round(MEMORY_USERS / 4),
        env: { USER_CACHE_SIZE: '3', FEATURE_BUFFER_USERS: '1', DECISION_CACHE_MAX: '1' },
      },
    ];
    const runs = [];
    const texts: string[] = [];
    for (const c of configs) {
      const mem = await memoryRun({ ...c.env, METRICS_PROCESS: '0' }, c.users);
      const cachedUsers = Number(c.env.USER_CACHE_SIZE) / 3;
      const perUserKiB = ((mem.finalMiB - mem.baselineMiB) * 1024) / cachedUsers;
      runs.push({ name: c.name, ...mem, perUserKiB });
      texts.push(
        [
          `### Memory, ${c.name}: ${mem.users} distinct users × (3 scores, one per policy, + 1 reward), ${mem.seconds.toFixed(0)} s`,
          '',
          `Bounds: ${Object.entries(c.env)
            .map(([k, v]) => `${k}=${v}`)
            .join(
              ', ',
            )}. Caches at the end: ${JSON.stringify(mem.caches)}. non-2xx ${mem.non2xx}, errors ${mem.errors}.`,
          '',
          '| users seen | RSS MiB |',
          '|---|---|',
          ...thin(mem.samples, 12).map((x) => `| ${x.users} | ${fmt(x.rssMiB, 0)} |`),
          '',
          `RSS ${fmt(mem.baselineMiB, 0)} MiB at start, ${fmt(mem.peakMiB, 0)} MiB peak, ${fmt(mem.finalMiB, 0)} MiB at the end: ` +
            `(end − start) / ${cachedUsers} cached users = ${fmt(perUserKiB, 1)} KiB per cached user.`,
          '',
        ].join('\n'),
      );
      process.stdout.write(`${texts.at(-1)}\n`);
    }
    const statesOnly = runs.find((r) => r.name === 'policy states only')!;
    const none = runs.find((r) => r.name === 'no caches')!;
    const cachedRssKiB = ((statesOnly.finalMiB - none.finalMiB) * 1024) / 10_000;
    texts.push(
      `RSS the policy-state cache adds, same traffic with and without it: (${fmt(statesOnly.finalMiB, 0)} − ${fmt(none.finalMiB, 0)}) MiB / 10000 users = ${fmt(cachedRssKiB, 1)} KiB per cached user (three policies).\n`,
    );
    process.stdout.write(`${texts.at(-1)}\n`);
    // The same cache measured as live heap in a process of its own (no RSS slack, no allocator).
    const heap = JSON.parse(
      execFileSync(
        process.execPath,
        ['--expose-gc', fileURLToPath(new URL('./state-memory.js', import.meta.url)), '10000'],
        {
          encoding: 'utf8',
        },
      ),
    ) as { users: number; bytesPerUser: number };
    texts.push(
      `Live heap of the policy-state cache alone (\`bench/http/state-memory.ts\`, ${heap.users} users × 3 policies after a reward each): ${fmt(heap.bytesPerUser, 0)} bytes = ${fmt(heap.bytesPerUser / 1024, 2)} KiB per user.\n`,
    );
    process.stdout.write(`${texts.at(-1)}\n`);
    writeFileSync(
      join(RESULTS, 'http-memory.json'),
      `${JSON.stringify({ started, machine, runs, heap, cachedRssKiB, text: texts.join('\n') }, null, 2)}\n`,
    );
    await writeSvg(join(RESULTS, 'http-memory.svg'), {
      title: 'Server RSS against distinct users seen (USER_CACHE_SIZE=30000: 10k users × 3 policies)',
      data: { values: runs.flatMap((r) => r.samples.map((x) => ({ ...x, config: r.name }))) },
      width: 520,
      height: 260,
      mark: { type: 'line', point: false },
      encoding: {
        x: { field: 'users', type: 'quantitative', title: 'distinct users seen' },
        y: { field: 'rssMiB', type: 'quantitative', title: 'RSS (MiB)' },
        color: { field: 'config', type: 'nominal' },
      },
    });
  }
  const tables = ['score', 'overload', 'reward_fsync1', 'reward_fsync0']
    .map((key) => load[key])
    .filter((x): x is Step => x !== undefined)
    .map(
      (x) =>
        `${table(x.title, x.rows, false)}Measured ${x.started}, load average ${x.loadavg.map((l) => l.toFixed(1)).join(' ')}.\n`,
    );
  const memory = readJson(join(RESULTS, 'http-memory.json'));
  if (typeof memory?.text === 'string') tables.push(memory.text);
  writeFileSync(join(RESULTS, 'http-tables.md'), `${tables.join('\n')}\n`);
}

function thin<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  const step = (xs.length - 1) / (n - 1);
  return Array.from({ length: n }, (_, j) => xs[Math.round(j * step)]!);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => {
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });
