/**
 * `npm run bench:kernels`: for each backend that loads here and U ∈ {1, 100, 10k, 100k}, d ∈ {5, 7, 12},
 * K = 20: LinUCB and greedy scores/s through the slab (rows + slot indices in, scores out) and
 * Sherman–Morrison updates/s (one reward per user), next to numpy's figures for the same shapes
 * measured in the same run (bench/anchors/kernels.py). Writes bench/results/kernels-<host>.json and
 * a chart of throughput against batch size (bench/results/kernels-<host>.svg).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BanditBackend } from '../kernels/backend.js';
import { rng as random } from '../kernels/reference/seeded.js';
import { BACKEND_NAMES, loadBackendByName } from '../kernels/registry.js';
import { compileBanditModule, instantiate } from '../kernels/wasm-simd/instance.js';
import { ensureBytes } from '../kernels/wasm-simd/wasm-memory.js';
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
 * Seconds per call: best of ROUNDS rounds of ≥ MIN_SECONDS/ROUNDS each (after a warm-up call), each
 * backend round right after a numpy round of the same shape: the machine is shared, and the best round
 * is the one least disturbed by other processes.
 */
const ROUNDS = 5;

/** The three timed calls of one backend (or numpy) on one shape. */
interface Calls {
  ucb(): unknown;
  greedy(): unknown;
  update(): unknown;
  dispose(): void;
}

async function prepare(backend: BanditBackend, U: number, d: number): Promise<Calls> {
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
  const ux = Float64Array.from({ length: U * d }, () => (rnd() * 2 - 1) * 0.1);
  const r = Float64Array.from({ length: U }, () => rnd() * 2 - 1);
  const calls = {
    ucb: () => slab.scoreUCB(x, slots, 1),
    greedy: () => slab.scoreGreedy(x, slots),
    update: () => slab.update(ux, r, all),
    dispose: () => slab.dispose(),
  };
  await calls.greedy();
  await calls.update();
  return calls;
}

/** Seconds per call of each kind: one round of ≥ MIN_SECONDS/ROUNDS each, its fastest call. */
async function round(calls: Calls): Promise<{ ucb: number; greedy: number; update: number }> {
  return { ucb: await once(calls.ucb), greedy: await once(calls.greedy), update: await once(calls.update) };
}

/**
 * Calls fn for ≥ MIN_SECONDS/ROUNDS and returns its fastest call's seconds: with 2 cores shared by
 * many processes, a round's mean mostly measures preemption (a 20 µs call is often descheduled); the
 * fastest call is the kernel's own speed. numpy's rounds are timed the same way (kernels.py).
 */
async function once(fn: () => unknown): Promise<number> {
  let best = Infinity;
  const start = process.hrtime.bigint();
  for (;;) {
    const t0 = process.hrtime.bigint();
    await fn();
    const t1 = process.hrtime.bigint();
    best = Math.min(best, Number(t1 - t0) / 1e9);
    if (Number(t1 - start) / 1e9 >= MIN_SECONDS / ROUNDS) return best;
  }
}

/** numpy in one long-lived python3 process (bench/anchors/kernels.py --serve), a request a line. */
class Numpy {
  private readonly proc = spawn('python3', [`${root}bench/anchors/kernels.py`, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  private readonly lines = createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
  version = '';

  private async ask<T>(req: object): Promise<T> {
    this.proc.stdin!.write(`${JSON.stringify(req)}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error('the numpy anchor exited');
    return JSON.parse(value as string) as T;
  }

  async shape(U: number, d: number): Promise<void> {
    this.version = (await this.ask<{ numpy: string }>({ op: 'shape', U, d, K })).numpy;
  }

  round(): Promise<{ ucb: number; greedy: number; update: number }> {
    return this.ask({ op: 'round', seconds: MIN_SECONDS / ROUNDS });
  }

  close(): void {
    this.proc.stdin!.end();
  }
}

type Best = { ucb: number; greedy: number; update: number };
const keepBest = (b: Best, t: Best): Best => ({
  ucb: Math.min(b.ucb, t.ucb),
  greedy: Math.min(b.greedy, t.greedy),
  update: Math.min(b.update, t.update),
});
const NONE: Best = { ucb: Infinity, greedy: Infinity, update: Infinity };

function toRow(backend: string, precision: string, U: number, d: number, t: Best): Row {
  return {
    backend,
    precision,
    U,
    d,
    K,
    ucb_per_s: (U * K) / t.ucb,
    greedy_per_s: (U * K) / t.greedy,
    updates_per_s: U / t.update,
    ucb_call_us: t.ucb * 1e6,
  };
}

/**
 * One shape, backend by backend: ROUNDS rounds each, every backend round right after a numpy round
 * (interleaved, so both see the same load). numpy's figure is its best over all its rounds of the shape.
 */
async function benchShape(numpy: Numpy, backends: BanditBackend[], U: number, d: number): Promise<Row[]> {
  await numpy.shape(U, d);
  let np = NONE;
  const rows: Row[] = [];
  for (const backend of backends) {
    process.stderr.write(`${backend.name} U=${U} d=${d}…\n`);
    const calls = await prepare(backend, U, d);
    let best = NONE;
    for (let i = 0; i < ROUNDS; i++) {
      np = keepBest(np, await numpy.round());
      best = keepBest(best, await round(calls));
    }
    calls.dispose();
    rows.push(toRow(backend.name, backend.precision, U, d, best));
  }
  if (backends.length === 0) for (let i = 0; i < ROUNDS; i++) np = keepBest(np, await numpy.round());
  return [toRow('numpy', 'float64', U, d, np), ...rows];
}

function si(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}

async function main(): Promise<void> {
  const shapes = US.flatMap((U) => DS.map((d) => ({ U, d, K })));
  const unavailable: { backend: string; reason: string }[] = [];
  const backends: BanditBackend[] = [];
  for (const name of BACKEND_NAMES) {
    if (ONLY && !ONLY.includes(name)) continue;
    try {
      backends.push(await loadBackendByName(name));
    } catch (err) {
      unavailable.push({ backend: name, reason: (err as Error).message.split('\n')[0]! });
    }
  }
  const numpy = new Numpy();
  const rows: Row[] = [];
  for (const { U, d } of shapes) rows.push(...(await benchShape(numpy, backends, U, d)));
  const goalRuns = await linucbGoalRuns(numpy, backends);
  numpy.close();
  for (const b of backends) await b.dispose();

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
  const goals = goalLines(rows, goalRuns);
  process.stdout.write(`\n${goals.join('\n')}\n`);
  const roof = await roofline(rows);
  process.stdout.write(`\n${roof.lines.join('\n')}\n`);
  for (const u of unavailable) process.stdout.write(`not available here: ${u.backend} (${u.reason})\n`);

  const host = process.env.BENCH_HOST ?? hostname();
  const meta = {
    date: new Date().toISOString(),
    host,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    loadavg_at_end: loadavg(),
    node: process.version,
    numpy: numpy.version,
    K,
    min_seconds: MIN_SECONDS,
  };
  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(
    `${root}bench/results/kernels-${host}.json`,
    `${JSON.stringify({ meta, unavailable, rows, goals: { lines: goals, linucb_runs: goalRuns }, roofline: roof }, null, 2)}\n`,
  );
  writeFileSync(`${root}bench/results/kernels-${host}.svg`, await renderChart(rows));
  process.stderr.write(`wrote bench/results/kernels-${host}.json and .svg\n`);
}

/** The issue-16 goals, said from this run's rows: met or not, with the ratios. */
function goalLines(rows: Row[], runs: GoalRun[]): string[] {
  const of = (b: string, U: number, d: number) => rows.find((r) => r.backend === b && r.U === U && r.d === d);
  const out = ['goals (wasm-simd, float64, against numpy in the same run, best of 5 interleaved rounds):'];
  for (const r of rows) {
    if (r.backend !== 'wasm-simd' || r.U < 100 || (r.d !== 7 && r.d !== 12)) continue;
    const x = r.greedy_per_s / of('numpy', r.U, r.d)!.greedy_per_s;
    out.push(`  greedy ≥ 2× numpy at U=${r.U} d=${r.d}: ${x.toFixed(2)}× ${x >= 2 ? 'met' : 'NOT met'}`);
  }
  runs.forEach((g, i) => {
    const x = g.wasm / g.numpy;
    out.push(
      `  LinUCB ≥ 2× numpy at U=${GOAL_U} d=${GOAL_D}, run ${i + 1}/${runs.length}: ${x.toFixed(2)}× (${si(g.wasm)} vs ${si(g.numpy)} scores/s) ${x >= 2 ? 'met' : 'NOT met'}`,
    );
  });
  if (runs.length > 0) {
    const all = runs.every((g) => g.wasm >= 2 * g.numpy);
    out.push(`  LinUCB goal in every one of ${runs.length} consecutive runs: ${all ? 'met' : 'NOT met'}`);
  }
  return out;
}

interface GoalRun {
  numpy: number;
  wasm: number;
}
const GOAL_U = 100_000;
const GOAL_D = 12;
const GOAL_RUNS = Number(process.env.BENCH_GOAL_RUNS ?? '3');

/**
 * LinUCB at U = 100k, d = 12, wasm-simd against numpy: GOAL_RUNS consecutive runs, each its own best
 * of ROUNDS interleaved rounds on fresh arrays, so a lucky run cannot carry the goal.
 */
async function linucbGoalRuns(numpy: Numpy, backends: BanditBackend[]): Promise<GoalRun[]> {
  const wasm = backends.find((b) => b.name === 'wasm-simd');
  if (!wasm || GOAL_RUNS === 0) return [];
  const runs: GoalRun[] = [];
  for (let run = 0; run < GOAL_RUNS; run++) {
    process.stderr.write(`LinUCB goal run ${run + 1}/${GOAL_RUNS}…\n`);
    await numpy.shape(GOAL_U, GOAL_D);
    const calls = await prepare(wasm, GOAL_U, GOAL_D);
    let np = Infinity;
    let w = Infinity;
    for (let i = 0; i < ROUNDS; i++) {
      np = Math.min(np, (await numpy.round()).ucb);
      w = Math.min(w, await once(calls.ucb));
    }
    calls.dispose();
    runs.push({ numpy: (GOAL_U * K) / np, wasm: (GOAL_U * K) / w });
  }
  return runs;
}

/**
 * The roofline for the float64 scoring kernels, measured here with the wasm engine itself: read
 * bandwidth (streamRead over 256 MiB, one thread) and f64x2 multiply+add peak (peakMulAdd, one
 * thread, no FMA in wasm SIMD without relaxed-simd), against the bytes and flops each score needs.
 * A kernel cannot beat min(peak / flops, bandwidth / bytes) per thread.
 */
async function roofline(rows: Row[]) {
  const w = instantiate(await compileBanditModule());
  const bytes = 256 * 2 ** 20;
  const p = Math.ceil(w.heapBase() / 64) * 64;
  ensureBytes(w.memory, p + bytes);
  new Float64Array(w.memory.buffer, p, bytes / 8).fill(1);
  const best = (fn: () => void) => {
    let b = Infinity;
    for (let i = 0; i < 7; i++) {
      const t0 = process.hrtime.bigint();
      fn();
      b = Math.min(b, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return b;
  };
  // V8 runs a wasm function on its baseline compiler (Liftoff) until its tier-up budget is spent,
  // and switches to optimized code only on a later call: warm both probes up with small calls first.
  for (let i = 0; i < 400; i++) {
    w.streamRead(p, 1 << 16);
    w.peakMulAdd(2000, 0.999999, 1e-7);
  }
  await new Promise((r) => setTimeout(r, 200));
  const bandwidth = bytes / best(() => w.streamRead(p, bytes));
  const iters = 4_000_000;
  const peak = (iters * 48) / best(() => w.peakMulAdd(iters, 0.999999, 1e-7));
  const largest = Math.max(...rows.map((r) => r.U));
  const lines = [
    `roofline (one thread, measured now): read bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s, f64 mul+add peak ${(peak / 1e9).toFixed(1)} GFLOP/s`,
    '| kernel | d | bytes/score | flops/score | bound/thread (scores/s) | wasm-simd at U=' +
      `${largest} | numpy at U=${largest} |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const shapes: Record<string, unknown>[] = [];
  for (const d of DS) {
    // Per score: the row (8d), its slot (4), the score written (8) and copied out (16); LinUCB adds
    // its user's packed A⁻¹ and θ, once per K rows. Flops: 2d for θᵀx; d(d+1) for the quadratic form
    // on packed A⁻¹ (a multiply and an add per entry) and about 3d more for the diagonal and doubling.
    const row = 8 * d + 4 + 8 + 16;
    const kinds = [
      { kernel: 'greedy', bytes: row, flops: 2 * d, key: 'greedy_per_s' as const },
      {
        kernel: 'LinUCB',
        bytes: row + (8 * ((d * (d + 1)) / 2) + 8 * d) / K,
        flops: 2 * d + d * (d + 1) + 3 * d,
        key: 'ucb_per_s' as const,
      },
    ];
    for (const k of kinds) {
      const bound = Math.min(peak / k.flops, bandwidth / k.bytes);
      const wasm = rows.find((r) => r.backend === 'wasm-simd' && r.d === d && r.U === largest);
      const np = rows.find((r) => r.backend === 'numpy' && r.d === d && r.U === largest);
      lines.push(
        `| ${k.kernel} | ${d} | ${k.bytes.toFixed(0)} | ${k.flops} | ${si(bound)} (${bound === peak / k.flops ? 'compute' : 'memory'}) | ${wasm ? si(wasm[k.key]) : '–'} | ${np ? si(np[k.key]) : '–'} |`,
      );
      shapes.push({ ...k, d, bound_per_thread: bound, wasm: wasm?.[k.key], numpy: np?.[k.key] });
    }
  }
  return { bandwidth_bytes_per_s: bandwidth, peak_flops: peak, shapes, lines };
}

await main();
