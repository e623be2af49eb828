/**
 * `npm run bench:kernels`: for each backend that loads here and U ∈ {1, 100, 10k, 100k}, d ∈ {5, 7, 12},
 * K = 20: LinUCB and greedy scores/s through the slab (rows + slot indices in, scores out) and
 * Sherman–Morrison updates/s (one reward per user), next to numpy's figures for the same shapes
 * measured in the same run (bench/anchors/kernels.py). Writes bench/results/kernels-<host>.json and
 * a chart of throughput against batch size (bench/results/kernels-<host>.svg).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BanditBackend } from '../kernels/backend.js';
import { BACKEND_NAMES, loadBackendByName } from '../kernels/registry.js';
import { renderChart } from './chart.js';

const K = 20;
const US = (process.env.BENCH_U ?? '1,100,10000,100000').split(',').map(Number);
const DS = (process.env.BENCH_D ?? '5,7,12').split(',').map(Number);
const MIN_SECONDS = Number(process.env.BENCH_MIN_SECONDS ?? '0.15');
const ONLY = process.env.BENCH_BACKENDS?.split(',');
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Row {
  backend: string;
  precision: string;
  U: number;
  d: number;
  K: number;
  ucb_per_s: number;
  greedy_per_s: number;
  updates_per_s: number;
  ucb_call_us: number;
}

/**
 * Seconds per call, best of ROUNDS rounds of ≥ MIN_SECONDS/ROUNDS each (after a warm-up call): the
 * machine is shared, and the best round is the one least disturbed by other processes.
 */
const ROUNDS = 5;
async function timed(fn: () => unknown): Promise<number> {
  await fn();
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (;;) {
      await fn();
      n++;
      const el = Number(process.hrtime.bigint() - t0) / 1e9;
      if (el >= MIN_SECONDS / ROUNDS) {
        best = Math.min(best, el / n);
        break;
      }
    }
  }
  return best;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function benchBackend(backend: BanditBackend, U: number, d: number): Promise<Row> {
  const rnd = random(U * 31 + d);
  const slab = backend.createSlab(d, U);
  const ainv = new Float64Array(U * d * d);
  for (let u = 0; u < U; u++) for (let i = 0; i < d; i++) ainv[u * d * d + i * d + i] = 1;
  const theta = Float64Array.from({ length: U * d }, () => rnd() * 2 - 1);
  const all = Int32Array.from({ length: U }, (_, i) => i);
  await slab.write(all, ainv, theta, new Float64Array(U * d));
  // Rows are built where the backend wants them, when it says where (the online path does the same).
  const staged = slab.stagingBuffers?.(U * K);
  const x = staged?.x ?? new Float64Array(U * K * d);
  const slots = staged?.slots ?? new Int32Array(U * K);
  for (let i = 0; i < x.length; i++) x[i] = rnd() * 2 - 1;
  for (let i = 0; i < slots.length; i++) slots[i] = Math.floor(i / K);
  // A first large call starts helper threads where a backend has them (wasm-simd's second core):
  // give them time to come up before timing.
  await slab.scoreUCB(x, slots, 1);
  if (U * K >= 4096) await new Promise((r) => setTimeout(r, 300));
  const tUcb = await timed(() => slab.scoreUCB(x, slots, 1));
  const tGreedy = await timed(() => slab.scoreGreedy(x, slots));
  const ux = Float64Array.from({ length: U * d }, () => (rnd() * 2 - 1) * 0.1);
  const r = Float64Array.from({ length: U }, () => rnd() * 2 - 1);
  const tUpd = await timed(() => slab.update(ux, r, all));
  slab.dispose();
  return {
    backend: backend.name,
    precision: backend.precision,
    U,
    d,
    K,
    ucb_per_s: (U * K) / tUcb,
    greedy_per_s: (U * K) / tGreedy,
    updates_per_s: U / tUpd,
    ucb_call_us: tUcb * 1e6,
  };
}

function si(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}

async function main(): Promise<void> {
  const shapes = US.flatMap((U) => DS.map((d) => ({ U, d, K })));
  process.stderr.write('numpy anchors…\n');
  const anchors = JSON.parse(
    execFileSync('python3', [`${root}bench/anchors/kernels.py`], {
      input: JSON.stringify({ shapes, min_seconds: MIN_SECONDS }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as { numpy: string; results: Omit<Row, 'backend' | 'precision'>[] };
  const rows: Row[] = anchors.results.map((a) => ({ ...a, backend: 'numpy', precision: 'float64' }));
  const unavailable: { backend: string; reason: string }[] = [];
  for (const name of BACKEND_NAMES) {
    if (ONLY && !ONLY.includes(name)) continue;
    let backend: BanditBackend;
    try {
      backend = await loadBackendByName(name);
    } catch (err) {
      unavailable.push({ backend: name, reason: (err as Error).message.split('\n')[0]! });
      continue;
    }
    for (const { U, d } of shapes) {
      process.stderr.write(`${name} U=${U} d=${d}…\n`);
      rows.push(await benchBackend(backend, U, d));
    }
    await backend.dispose();
  }

  const numpyOf = (U: number, d: number) =>
    rows.find((r) => r.backend === 'numpy' && r.U === U && r.d === d)!;
  const lines = [
    `| backend | U | d | LinUCB scores/s | × numpy | greedy scores/s | × numpy | updates/s | × numpy | µs/call (LinUCB) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const n = numpyOf(r.U, r.d);
    const x = (a: number, b: number) => (r.backend === 'numpy' ? '1' : (a / b).toFixed(2));
    lines.push(
      `| ${r.backend} | ${r.U} | ${r.d} | ${si(r.ucb_per_s)} | ${x(r.ucb_per_s, n.ucb_per_s)} | ${si(r.greedy_per_s)} | ${x(r.greedy_per_s, n.greedy_per_s)} | ${si(r.updates_per_s)} | ${x(r.updates_per_s, n.updates_per_s)} | ${r.ucb_call_us.toFixed(r.ucb_call_us < 100 ? 2 : 0)} |`,
    );
  }
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  for (const u of unavailable) process.stdout.write(`not available here: ${u.backend} (${u.reason})\n`);

  const host = process.env.BENCH_HOST ?? hostname();
  const meta = {
    date: new Date().toISOString(),
    host,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    loadavg_at_end: loadavg(),
    node: process.version,
    numpy: anchors.numpy,
    K,
    min_seconds: MIN_SECONDS,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(
    `${root}bench/results/kernels-${host}.json`,
    `${JSON.stringify({ meta, unavailable, rows }, null, 2)}\n`,
  );
  writeFileSync(`${root}bench/results/kernels-${host}.svg`, await renderChart(rows));
  process.stderr.write(`wrote bench/results/kernels-${host}.json and .svg\n`);
}

await main();
