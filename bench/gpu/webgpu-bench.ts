/**
 * The WebGPU kernels on whatever adapter Dawn picks, for the one-command GPU check (bench/gpu/run.sh
 * runs it, bundled into one file by bench/gpu/pack.mjs). For each U × d (K = 20): LinUCB and greedy
 * scores/s end to end (float64 rows in, scores out: the service's path, f64→f32 conversion and upload
 * included), the same two kernels on rows already on the GPU (kernel + score read-back only), and
 * Sherman–Morrison updates/s; then parity against the float64 reference on a sample of rows and users.
 *
 *   node webgpu-bench.mjs --users 10000,100000,1000000 --dims 5,7,12 --out $OUT/webgpu.json
 *
 * Refuses a software adapter (llvmpipe, SwiftShader, a fallback adapter) unless
 * GPU_BENCH_ALLOW_SOFTWARE=1 (the rehearsal on a machine without a GPU). Exits 1 when parity fails.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type * as TF from '@tensorflow/tfjs-core';
import type { Slab } from '../../kernels/backend.js';
import { BanditScoreGreedy, BanditScoreUCB } from '../../kernels/kernel_names.js';
import { posterior, rankOneUpdate, scoreGreedy, scoreLinUCB } from '../../kernels/reference/mod.js';
import { rng } from '../../kernels/reference/seeded.js';
import { load, type WebGPUBanditBackend } from '../../kernels/tfjs-webgpu/mod.js';
import { medianTime } from '../median-time.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10000,100000,1000000' },
    dims: { type: 'string', default: '5,7,12' },
    k: { type: 'string', default: '20' },
    'budget-ms': { type: 'string', default: '1500' },
    sample: { type: 'string', default: '256' },
    out: { type: 'string', default: 'webgpu-bench.json' },
  },
});
const USERS = args.users.split(',').map(Number);
const DIMS = args.dims.split(',').map(Number);
const K = Number(args.k);
const BUDGET_MS = Number(args['budget-ms']);
const SAMPLE = Number(args.sample);
const ALPHA = 1;
/** float32 on the GPU against the float64 reference: error ≤ this × the magnitude summed. */
const REL_TOL = 1e-4;

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|softpipe/i;

/** Median ms per call, calls until BUDGET_MS is spent. */
const time = (fn: () => Promise<unknown>) => medianTime(fn, BUDGET_MS, 200);

interface Row {
  U: number;
  d: number;
  K: number;
  ucb_per_s: number;
  greedy_per_s: number;
  ucb_resident_per_s: number;
  greedy_resident_per_s: number;
  updates_per_s: number;
  ucb_call_ms: number;
  ucb_resident_call_ms: number;
  update_call_ms: number;
  reps: number;
  parity: { ucb_max_rel: number; greedy_max_rel: number; update_max_rel: number; ok: boolean };
  seconds: number;
}

/** Largest |got − want| over the magnitude that was summed (at least 1): float32's error scale. */
function relErr(got: number, want: number, scale: number): number {
  return Math.abs(got - want) / Math.max(1, scale);
}

async function benchShape(backend: WebGPUBanditBackend, tf: typeof TF, U: number, d: number): Promise<Row> {
  const t0 = performance.now();
  const next = rng(U * 131 + d);
  // A = c·I (c ∈ [1, 11)), b small: A⁻¹ = I/c and θ = b/c, so the float64 reference for any sampled
  // user is known without a Cholesky per user at U = 1M.
  const c = Float64Array.from({ length: U }, () => 1 + 10 * next());
  const bv = Float64Array.from({ length: U * d }, () => next() - 0.5);
  const slab: Slab = backend.createSlab(d, U);
  try {
    const CH = 65_536;
    for (let from = 0; from < U; from += CH) {
      const n = Math.min(CH, U - from);
      const ainv = new Float64Array(n * d * d);
      const theta = new Float64Array(n * d);
      for (let u = 0; u < n; u++) {
        for (let i = 0; i < d; i++) {
          ainv[u * d * d + i * d + i] = 1 / c[from + u]!;
          theta[u * d + i] = bv[(from + u) * d + i]! / c[from + u]!;
        }
      }
      await slab.write(
        Int32Array.from({ length: n }, (_, i) => from + i),
        ainv,
        theta,
        bv.subarray(from * d, (from + n) * d),
      );
    }
    const slots = Int32Array.from({ length: U * K }, (_, i) => Math.floor(i / K));
    const x = new Float64Array(U * K * d);
    for (let i = 0; i < x.length; i++) x[i] = next() * 2 - 1;

    const ucb = await time(() => slab.scoreUCB(x, slots, ALPHA));
    const greedy = await time(() => slab.scoreGreedy(x, slots));
    // Rows already on the GPU: the kernel and the scores' read-back only. The slab's tensors are
    // private; the bench reaches in to time the kernels apart from the f64→f32 conversion and upload.
    const s = slab as unknown as { ainv: TF.Tensor; theta: TF.Tensor };
    const xT = tf.tensor2d(Float32Array.from(x), [U * K, d]);
    const sT = tf.tensor1d(slots, 'int32');
    const resident = async (kernel: string) => {
      const inputs: TF.NamedTensorMap =
        kernel === BanditScoreUCB
          ? { ainv: s.ainv, theta: s.theta, x: xT, slot: sT }
          : { theta: s.theta, x: xT, slot: sT };
      const attrs: Record<string, number> = kernel === BanditScoreUCB ? { alpha: ALPHA, d } : { d };
      const out = tf.engine().runKernel(kernel, inputs, attrs) as TF.Tensor;
      try {
        return await out.data();
      } finally {
        out.dispose();
      }
    };
    const ucbRes = await time(() => resident(BanditScoreUCB));
    const greedyRes = await time(() => resident(BanditScoreGreedy));
    tf.dispose([xT, sT]);

    // Parity of scores on a sample of rows, before any update.
    const gotUcb = await slab.scoreUCB(x, slots, ALPHA);
    const gotGreedy = await slab.scoreGreedy(x, slots);
    let ucbErr = 0;
    let greedyErr = 0;
    const pick = rng(7 + U + d);
    const refOf = (u: number) => {
      const a = new Float64Array(d * d);
      for (let i = 0; i < d; i++) a[i * d + i] = c[u]!;
      return { a, b: bv.slice(u * d, (u + 1) * d) };
    };
    for (let k = 0; k < SAMPLE; k++) {
      const r = Math.floor(pick() * U * K);
      const u = slots[r]!;
      const ref = refOf(u);
      const p = posterior(ref.a, ref.b, d);
      const row = x.subarray(r * d, (r + 1) * d);
      const scale = row.reduce((m, v, i) => m + Math.abs(v * p.theta[i]!), 0);
      ucbErr = Math.max(ucbErr, relErr(gotUcb[r]!, scoreLinUCB(p, row, 1, ALPHA)[0]!, scale + 1));
      greedyErr = Math.max(greedyErr, relErr(gotGreedy[r]!, scoreGreedy(p, row, 1)[0]!, scale));
    }

    // Updates: one reward per user, every user; then the sampled users' posteriors against the
    // reference's rank-one update of (A, b). Parity looks at this first update; the timed calls after
    // it keep updating the same users.
    const ux = Float64Array.from({ length: U * d }, () => (next() * 2 - 1) * 0.3);
    const ur = Float64Array.from({ length: U }, () => (next() < 0.5 ? 0 : 1));
    const all = Int32Array.from({ length: U }, (_, i) => i);
    await slab.update(ux, ur, all);
    const users = Int32Array.from({ length: Math.min(SAMPLE, U) }, () => Math.floor(pick() * U));
    const got = await slab.read(users);
    let updErr = 0;
    users.forEach((u, k) => {
      const ref = refOf(u);
      rankOneUpdate(ref.a, ref.b, ux.subarray(u * d, (u + 1) * d), ur[u]!, d);
      const p = posterior(ref.a, ref.b, d);
      for (let i = 0; i < d * d; i++)
        updErr = Math.max(updErr, relErr(got.ainv[k * d * d + i]!, p.ainv[i]!, 1));
      for (let i = 0; i < d; i++) updErr = Math.max(updErr, relErr(got.theta[k * d + i]!, p.theta[i]!, 1));
    });
    const upd = await time(() => slab.update(ux, ur, all));
    const ok = ucbErr <= REL_TOL && greedyErr <= REL_TOL && updErr <= REL_TOL;
    return {
      U,
      d,
      K,
      ucb_per_s: (U * K) / (ucb.ms / 1000),
      greedy_per_s: (U * K) / (greedy.ms / 1000),
      ucb_resident_per_s: (U * K) / (ucbRes.ms / 1000),
      greedy_resident_per_s: (U * K) / (greedyRes.ms / 1000),
      updates_per_s: U / (upd.ms / 1000),
      ucb_call_ms: ucb.ms,
      ucb_resident_call_ms: ucbRes.ms,
      update_call_ms: upd.ms,
      reps: ucb.reps,
      parity: { ucb_max_rel: ucbErr, greedy_max_rel: greedyErr, update_max_rel: updErr, ok },
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    slab.dispose();
  }
}

const si = (v: number) =>
  v >= 1e9
    ? `${(v / 1e9).toFixed(2)} G`
    : v >= 1e6
      ? `${(v / 1e6).toFixed(1)} M`
      : `${(v / 1e3).toFixed(1)} k`;

async function main(): Promise<void> {
  const allowSoftware = process.env['GPU_BENCH_ALLOW_SOFTWARE'] === '1';
  // load() returns the WebGPU backend (typed as any BanditBackend): its adapter fields are needed here.
  const backend = (await load({ adapter: allowSoftware ? 'auto' : 'hardware' })) as WebGPUBanditBackend;
  console.log(`adapter Dawn picked: ${backend.adapter}`);
  if (backend.adapterKind === 'software' || SOFTWARE.test(backend.adapter)) {
    if (!allowSoftware) {
      console.error('refusing a software adapter (set GPU_BENCH_ALLOW_SOFTWARE=1 for a rehearsal)');
      process.exit(2);
    }
    console.log('software adapter allowed (GPU_BENCH_ALLOW_SOFTWARE=1): a rehearsal, not a GPU figure');
  }
  const tf = await import('@tensorflow/tfjs-core');
  const rows: Row[] = [];
  const failed: { U: number; d: number; error: string }[] = [];
  const write = () =>
    writeFileSync(
      args.out,
      `${JSON.stringify(
        {
          bench: 'webgpu-kernels',
          measuredAt: new Date().toISOString(),
          adapter: backend.adapter,
          machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
          K,
          alpha: ALPHA,
          rows,
          failed,
        },
        null,
        2,
      )}\n`,
    );
  console.log(
    '   U   d   LinUCB/s (e2e)  greedy/s (e2e)  LinUCB/s (resident)  greedy/s (resident)  updates/s  parity',
  );
  for (const U of USERS) {
    for (const d of DIMS) {
      try {
        const r = await benchShape(backend, tf, U, d);
        rows.push(r);
        console.log(
          `${String(U).padStart(7)} ${String(d).padStart(3)} ${si(r.ucb_per_s).padStart(14)} ${si(r.greedy_per_s).padStart(15)} ${si(r.ucb_resident_per_s).padStart(20)} ${si(r.greedy_resident_per_s).padStart(20)} ${si(r.updates_per_s).padStart(10)}  ${r.parity.ok ? 'ok' : 'FAIL'} (${r.parity.ucb_max_rel.toExponential(1)}, ${r.parity.greedy_max_rel.toExponential(1)}, ${r.parity.update_max_rel.toExponential(1)}) ${r.seconds.toFixed(1)} s`,
        );
      } catch (err) {
        failed.push({ U, d, error: err instanceof Error ? err.message : String(err) });
        console.log(`${String(U).padStart(7)} ${String(d).padStart(3)} failed: ${failed.at(-1)!.error}`);
      }
      write();
    }
  }
  await backend.dispose();
  console.log(`wrote ${args.out}`);
  // Dawn's device can keep the event loop alive: leave explicitly.
  process.exit(failed.length > 0 || rows.some((r) => !r.parity.ok) ? 1 : 0);
}

await main();
