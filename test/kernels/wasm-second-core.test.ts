import { describe, expect, it } from 'vitest';
import type { Precision } from '../../kernels/backend.js';
import {
  posterior,
  rankOneUpdate,
  ridgeIdentity,
  scoreGreedy,
  scoreLinUCB,
} from '../../kernels/reference/mod.js';
import { compileBanditModule, instantiate } from '../../kernels/wasm-simd/instance.js';
import { wasmKernels } from '../../kernels/wasm-simd/kernels.js';
import { WasmSlab } from '../../kernels/wasm-simd/slab.js';
import { maxRelError } from './random-slab-case.js';

/** A Lehmer (MINSTD) generator of numbers in [-1, 1) from `seed`. */
function lehmer(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state / 2147483647) * 2 - 1;
  };
}

/** Reference posteriors of `users` after `rewards` random rewards each, written into slots 0..users−1. */
function writeRandomUsers(slab: WasmSlab, users: number, rewards: number, rnd: () => number) {
  const { d } = slab;
  const ainv = new Float64Array(users * d * d);
  const theta = new Float64Array(users * d);
  const bs = new Float64Array(users * d);
  const posts = Array.from({ length: users }, (_, u) => {
    const a = ridgeIdentity(d, 1);
    const b = new Float64Array(d);
    for (let i = 0; i < rewards; i++) rankOneUpdate(a, b, Array.from({ length: d }, rnd), rnd(), d);
    const p = posterior(a, b, d);
    ainv.set(p.ainv, u * d * d);
    theta.set(p.theta, u * d);
    bs.set(b, u * d);
    return p;
  });
  slab.write(Int32Array.from(posts.keys()), ainv, theta, bs);
  return posts;
}

describe.each<[Precision, number]>([
  ['float64', 1e-9],
  ['float32', 1e-4],
])('wasm-simd (%s) on two threads', (precision, tol) => {
  it('splits a large call with the worker thread and scores exactly as on one', async () => {
    const module = await compileBanditModule();
    for (const d of [5, 7, 12]) {
      const users = 37;
      const slab = new WasmSlab(d, users, instantiate(module), wasmKernels(), precision, module, 64);
      const rnd = lehmer(d);
      const posts = writeRandomUsers(slab, users, 5, rnd);
      // 1,003 rows in runs of 1..20 per user: odd lengths, so halves and blocks cut runs anywhere.
      const slotList: number[] = [];
      for (let u = 0; slotList.length < 1003; u = (u + 1) % users) {
        for (let k = 0; k < 1 + ((u * 7) % 20) && slotList.length < 1003; k++) slotList.push(u);
      }
      const slots = Int32Array.from(slotList);
      const x = Float64Array.from({ length: slots.length * d }, rnd);
      const want = (ucb: boolean) =>
        Float64Array.from(slots, (s, r) => {
          const row = x.subarray(r * d, (r + 1) * d);
          return ucb ? scoreLinUCB(posts[s]!, row, 1, 0.7)[0]! : scoreGreedy(posts[s]!, row, 1)[0]!;
        });
      await slab.scoreUCB(x, slots, 0.7); // starts the worker
      for (let i = 0; i < 200 && !slab.secondCoreReady; i++) await new Promise((r) => setTimeout(r, 25));
      expect(slab.secondCoreReady).toBe(true);
      expect(maxRelError(await slab.scoreUCB(x, slots, 0.7), want(true))).toBeLessThanOrEqual(tol);
      expect(maxRelError(await slab.scoreGreedy(x, slots), want(false))).toBeLessThanOrEqual(tol);
      // Staged rows (built in the shared memory) take the same path.
      const staged = slab.stagingBuffers(slots.length);
      staged.x.set(x);
      staged.slots.set(slots);
      expect(maxRelError(await slab.scoreUCB(staged.x, staged.slots, 0.7), want(true))).toBeLessThanOrEqual(
        tol,
      );
      slab.dispose();
    }
  });
});

describe('wasm-simd slot checks and widths without unrolled kernels', () => {
  it('throws the slot error when a bad slot is in the main half, the worker half, or a lone row', async () => {
    const module = await compileBanditModule();
    const d = 12;
    const slab = new WasmSlab(d, 4, instantiate(module), wasmKernels(), 'float64', module, 64);
    const n = 400;
    const x = new Float64Array(n * d).fill(0.5);
    const slots = Int32Array.from({ length: n }, (_, i) => (i >> 3) % 4);
    await slab.scoreGreedy(x, slots); // starts the worker
    for (let i = 0; i < 200 && !slab.secondCoreReady; i++) await new Promise((r) => setTimeout(r, 25));
    expect(slab.secondCoreReady).toBe(true);
    for (const [at, bad] of [
      [3, 4],
      [n - 2, -1],
      [n >> 1, 99],
    ] as const) {
      const s = slots.slice();
      s[at] = bad;
      await expect(slab.scoreGreedy(x, s)).rejects.toThrow(`slot ${bad} is outside the slab (capacity 4)`);
      await expect(slab.scoreUCB(x, s, 1)).rejects.toThrow(`slot ${bad} is outside the slab (capacity 4)`);
    }
    slab.dispose();
  });

  it.each([1, 2, 3, 16])('scores width %i (the generic loops) like the reference', async (d) => {
    const module = await compileBanditModule();
    const users = 5;
    const slab = new WasmSlab(d, users, instantiate(module), wasmKernels(), 'float64', module);
    const rnd = lehmer(7 + d);
    const posts = writeRandomUsers(slab, users, 3, rnd);
    // Runs of 1..7 rows: odd and even, so pairs and a left-over row both occur.
    const slots = Int32Array.from([0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 0, 0]);
    const x = Float64Array.from({ length: slots.length * d }, rnd);
    const want = Float64Array.from(
      slots,
      (s, r) => scoreGreedy(posts[s]!, x.subarray(r * d, (r + 1) * d), 1)[0]!,
    );
    expect(maxRelError(await slab.scoreGreedy(x, slots), want)).toBeLessThanOrEqual(1e-9);
    slab.dispose();
  });
});
