/**
 * WebGPU kernels bench: candidate scores/s (LinUCB, K = 20, d = 12) and updates/s for U users, the
 * fused WGSL kernels against the same math as a chain of stock TF.js ops on the same 'webgpu'
 * backend. Each timed call is end to end: candidate rows up, scores down (as the service uses it).
 *
 *   npm run bench:kernels-webgpu [-- --users 1,100,10000 --impls wgsl-fused --budget-ms 3000]
 *
 * Prints a table; writes bench/results/kernels-webgpu.json and kernels-webgpu.svg.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Slab } from '../kernels/backend.js';
import { rng } from '../kernels/reference/seeded.js';
import { ComposedSlab } from '../kernels/tfjs-node/composed-slab.js';
import { load } from '../kernels/tfjs-webgpu/mod.js';
import { renderSvg } from '../src/charts/render-svg.js';
import { medianTime } from './median-time.js';

const K = 20;
const D = 12;
const ALPHA = 1;

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1,100,10000,100000' },
    impls: { type: 'string', default: 'wgsl-fused,tfjs-op-chain' },
    'budget-ms': { type: 'string', default: '3000' },
    out: { type: 'string', default: 'bench/results/kernels-webgpu' },
  },
});
const USERS = args.users.split(',').map(Number);
const BUDGET_MS = Number(args['budget-ms']);
const IMPLS = args.impls.split(',') as Row['impl'][];

interface Row {
  impl: 'wgsl-fused' | 'tfjs-op-chain';
  users: number;
  k: number;
  d: number;
  scoresPerSec: number;
  scoreCallUs: number;
  updatesPerSec: number;
  updateCallUs: number;
  reps: number;
}

/** Median ms per call, calls until BUDGET_MS is spent. */
const time = (fn: () => Promise<unknown>) => medianTime(fn, BUDGET_MS, 1000);

async function measure(impl: Row['impl'], slab: Slab, users: number): Promise<Row> {
  const next = rng(users);
  // A realistic slab: A⁻¹ = I/(1+c) with small symmetric noise, θ and b small.
  const ainv = new Float64Array(users * D * D);
  for (let s = 0; s < users; s++) {
    for (let i = 0; i < D; i++) {
      for (let j = 0; j <= i; j++) {
        const v = i === j ? 1 / (1 + 10 * next()) : 0.01 * (next() - 0.5);
        ainv[s * D * D + i * D + j] = v;
        ainv[s * D * D + j * D + i] = v;
      }
    }
  }
  const theta = Float64Array.from({ length: users * D }, () => next() - 0.5);
  const b = Float64Array.from({ length: users * D }, () => next() - 0.5);
  const all = Int32Array.from({ length: users }, (_, i) => i);
  await slab.write(all, ainv, theta, b);
  const slots = Int32Array.from({ length: users * K }, (_, i) => Math.floor(i / K));
  const x = Float64Array.from({ length: users * K * D }, () => next() * 2 - 1);
  const score = await time(() => slab.scoreUCB(x, slots, ALPHA));
  // One reward per user per call: what a batch of HTTP /reward calls looks like.
  const ux = Float64Array.from({ length: users * D }, () => (next() * 2 - 1) * 0.1);
  const ur = Float64Array.from({ length: users }, () => (next() < 0.5 ? 0 : 1));
  const update = await time(() => slab.update(ux, ur, all));
  return {
    impl,
    users,
    k: K,
    d: D,
    scoresPerSec: (users * K) / (score.ms / 1000),
    scoreCallUs: score.ms * 1000,
    updatesPerSec: users / (update.ms / 1000),
    updateCallUs: update.ms * 1000,
    reps: score.reps,
  };
}

const fmt = (v: number) =>
  v >= 1e9
    ? `${(v / 1e9).toFixed(2)} G`
    : v >= 1e6
      ? `${(v / 1e6).toFixed(2)} M`
      : `${(v / 1e3).toFixed(1)} k`;

async function main(): Promise<void> {
  const backend = await load();
  const adapter = (backend as unknown as { adapter: string }).adapter;
  const tf = await import('@tensorflow/tfjs-core');
  const rows: Row[] = [];
  console.log(`WebGPU adapter: ${adapter}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`);
  console.log('impl            users    scores/s   µs/call    updates/s  µs/update-call  reps');
  for (const users of USERS) {
    for (const impl of IMPLS) {
      const slab = impl === 'wgsl-fused' ? backend.createSlab(D, users) : new ComposedSlab(tf, D, users);
      try {
        const r = await measure(impl, slab, users);
        rows.push(r);
        console.log(
          `${impl.padEnd(15)} ${String(users).padStart(6)} ${fmt(r.scoresPerSec).padStart(10)} ${r.scoreCallUs.toFixed(0).padStart(9)}` +
            ` ${fmt(r.updatesPerSec).padStart(12)} ${r.updateCallUs.toFixed(0).padStart(15)} ${String(r.reps).padStart(5)}`,
        );
      } finally {
        slab.dispose();
      }
    }
    const fused = rows.find((r) => r.users === users && r.impl === 'wgsl-fused');
    const chain = rows.find((r) => r.users === users && r.impl === 'tfjs-op-chain');
    if (!fused || !chain) continue;
    console.log(
      `  fused / op chain at U=${users}: scores ×${(fused.scoresPerSec / chain.scoresPerSec).toFixed(1)}, updates ×${(fused.updatesPerSec / chain.updatesPerSec).toFixed(1)}`,
    );
  }
  await backend.dispose();
  const result = {
    bench: 'kernels-webgpu',
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, adapter },
    alpha: ALPHA,
    rows,
  };
  writeFileSync(`${args.out}.json`, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(`${args.out}.svg`, await chart(rows, adapter));
  console.log(`wrote ${args.out}.json and ${args.out}.svg`);
}

async function chart(rows: Row[], adapter: string): Promise<string> {
  return renderSvg({
    title: { text: `LinUCB scores/s, K=${K}, d=${D}`, subtitle: `WebGPU on ${adapter}`.slice(0, 110) },
    width: 480,
    height: 300,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'users', type: 'quantitative', scale: { type: 'log' }, title: 'users per call (U)' },
      y: {
        field: 'scoresPerSec',
        type: 'quantitative',
        scale: { type: 'log' },
        title: 'candidate scores / s',
      },
      color: { field: 'impl', type: 'nominal', title: null },
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
