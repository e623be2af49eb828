/**
 * `npm run bench:second-core`: wasm-simd LinUCB on one thread against the same slab split with its
 * worker thread, interleaved in one process (so both see the same machine load), U = 20k users,
 * K = 20, for float64 and float32 and d ∈ {5, 7, 12}. Writes bench/results/second-core-<host>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Precision } from '../kernels/backend.js';
import { compileBanditModule, instantiate } from '../kernels/wasm-simd/instance.js';
import { wasmKernels } from '../kernels/wasm-simd/kernels.js';
import { WasmSlab } from '../kernels/wasm-simd/slab.js';

const U = 20_000;
const K = 20;
const ROUNDS = 7;
const root = fileURLToPath(new URL('../../', import.meta.url));
const module = await compileBanditModule();

function slab(d: number, precision: Precision, parallelFrom: number) {
  const s = new WasmSlab(d, U, instantiate(module), wasmKernels(), precision, module, parallelFrom);
  const ainv = new Float64Array(U * d * d);
  for (let u = 0; u < U; u++) for (let i = 0; i < d; i++) ainv[u * d * d + i * d + i] = 1;
  s.write(
    Int32Array.from({ length: U }, (_, i) => i),
    ainv,
    Float64Array.from({ length: U * d }, (_, i) => Math.sin(i)),
    new Float64Array(U * d),
  );
  const st = s.stagingBuffers(U * K);
  for (let i = 0; i < st.x.length; i++) st.x[i] = Math.cos(i);
  for (let i = 0; i < st.slots.length; i++) st.slots[i] = Math.floor(i / K);
  return { s, st };
}

const rows: { precision: Precision; d: number; one_thread_per_s: number; two_threads_per_s: number }[] = [];
for (const precision of ['float64', 'float32'] as const) {
  for (const d of [5, 7, 12]) {
    const one = slab(d, precision, Number.POSITIVE_INFINITY);
    const two = slab(d, precision, 4096);
    two.s.scoreUCBSync(two.st.x, two.st.slots, 1);
    for (let i = 0; i < 100 && !two.s.secondCoreReady; i++) await new Promise((r) => setTimeout(r, 20));
    const best = { one: Number.POSITIVE_INFINITY, two: Number.POSITIVE_INFINITY };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, v] of [
        ['one', one],
        ['two', two],
      ] as const) {
        const t0 = process.hrtime.bigint();
        v.s.scoreUCBSync(v.st.x, v.st.slots, 1);
        best[name] = Math.min(best[name], Number(process.hrtime.bigint() - t0) / 1e9);
      }
    }
    rows.push({ precision, d, one_thread_per_s: (U * K) / best.one, two_threads_per_s: (U * K) / best.two });
    one.s.dispose();
    two.s.dispose();
  }
}
const lines = [
  '| precision | d | 1 thread, scores/s | 2 threads, scores/s | speed-up |',
  '|---|---:|---:|---:|---:|',
];
for (const r of rows) {
  lines.push(
    `| ${r.precision} | ${r.d} | ${(r.one_thread_per_s / 1e6).toFixed(1)} M | ${(r.two_threads_per_s / 1e6).toFixed(1)} M | ${(r.two_threads_per_s / r.one_thread_per_s).toFixed(2)} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
const host = process.env.BENCH_HOST ?? hostname();
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/second-core-${host}.json`,
  `${JSON.stringify({ meta: { date: new Date().toISOString(), host, U, K, loadavg_at_end: loadavg() }, rows }, null, 2)}\n`,
);
