/**
 * The fused WGSL kernels on a real WebGPU adapter (Dawn → OpenGL ES → Mesa llvmpipe on a machine
 * without a GPU) against the float64 reference. No skip: if no adapter can be had, load() rejects
 * and every test here fails, saying why.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BanditBackend } from '../../kernels/backend.js';
import { load } from '../../kernels/tfjs-webgpu/mod.js';
import {
  expectSameChoice,
  expectScoresClose,
  expectSlabMatches,
  features,
  ReferenceUsers,
  referenceScores,
  rng,
  withReferenceSlab,
} from './slab-parity.js';

let backend: BanditBackend;

beforeAll(async () => {
  backend = await load({ adapter: process.env['WEBGPU_ADAPTER'] === 'hardware' ? 'hardware' : 'auto' });
}, 60_000);

afterAll(async () => {
  await backend?.dispose();
});

const caseArb = fc.record({
  seed: fc.integer(),
  d: fc.constantFrom(5, 7, 12),
  users: fc.integer({ min: 1, max: 6 }),
  k: fc.integer({ min: 1, max: 25 }),
  blocks: fc.integer({ min: 1, max: 8 }),
  alpha: fc.double({ min: 0, max: 3, noNaN: true }),
});

/** `blocks` requests of k candidates, each for one random user. */
function candidates(next: () => number, d: number, users: number, blocks: number, k: number) {
  const slots = new Int32Array(blocks * k);
  for (let blk = 0; blk < blocks; blk++) slots.fill(Math.floor(next() * users), blk * k, (blk + 1) * k);
  return { x: features(next, slots.length * d), slots };
}

describe('tfjs-webgpu fused kernels vs the float64 reference', () => {
  it('names itself and its adapter', () => {
    expect(backend.name).toBe('tfjs-webgpu');
    expect(backend.precision).toBe('float32');
    const { adapter, adapterKind } = backend as unknown as { adapter: string; adapterKind: string };
    expect(adapter).toMatch(/^(hardware|software): /);
    expect(adapter.startsWith(adapterKind)).toBe(true);
  });

  // UCB on a slab with spare rows past the users, greedy on one they fill exactly.
  it.each([
    ['BanditScoreUCB', 3],
    ['BanditScoreGreedy', 0],
  ] as const)(
    '%s: relative error ≤ 1e-4 and the same chosen candidate except near ties',
    async (kernel, spare) => {
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ seed, d, users, k, blocks, alpha }) => {
          const next = rng(seed);
          const ref = new ReferenceUsers(d, users, next, 30);
          const slab = backend.createSlab(d, users + spare);
          await withReferenceSlab(slab, ref, async () => {
            const { x, slots } = candidates(next, d, users, blocks, k);
            const ucb = kernel === 'BanditScoreUCB';
            const got = ucb ? await slab.scoreUCB(x, slots, alpha) : await slab.scoreGreedy(x, slots);
            const { want, scale } = referenceScores(ref, x, slots, ucb ? alpha : null);
            expectScoresClose(got, want, scale);
            expectSameChoice(got, want, scale, k);
          });
        }),
        { numRuns: 40 },
      );
    },
  );

  it('BanditUpdate: a batch with repeated users equals the rewards applied one by one, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          d: fc.constantFrom(5, 7, 12),
          users: fc.integer({ min: 1, max: 6 }),
          rewards: fc.integer({ min: 1, max: 40 }),
          batches: fc.integer({ min: 1, max: 3 }),
        }),
        async ({ seed, d, users, rewards, batches }) => {
          const next = rng(seed);
          const ref = new ReferenceUsers(d, users, next, 10);
          const slab = backend.createSlab(d, users);
          await withReferenceSlab(slab, ref, async (loaded) => {
            for (let i = 0; i < batches; i++) {
              // Few users, many rewards: most users appear several times in a batch.
              const slots = Int32Array.from({ length: rewards }, () => Math.floor(next() * users));
              const x = features(next, rewards * d);
              const r = Float64Array.from({ length: rewards }, () => (next() < 0.5 ? 0 : 1));
              await slab.update(x, r, slots);
              ref.update(x, r, slots);
            }
            await expectSlabMatches(slab, ref, loaded);
            // Scores read the updated slab.
            const { x, slots } = candidates(next, d, users, 3, 5);
            const { want, scale } = referenceScores(ref, x, slots, 1);
            expectScoresClose(await slab.scoreUCB(x, slots, 1), want, scale);
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it('BanditUpdate: 2,000 rewards over 5 users in one batch, interleaved', async () => {
    const d = 12;
    const next = rng(7);
    const ref = new ReferenceUsers(d, 5, next, 0);
    const slab = backend.createSlab(d, 5);
    await withReferenceSlab(slab, ref, async (loaded) => {
      const m = 2000;
      const slots = Int32Array.from({ length: m }, (_, i) => (i * 3) % 5);
      const x = features(next, m * d);
      const r = Float64Array.from({ length: m }, () => next());
      await slab.update(x, r, slots);
      ref.update(x, r, slots);
      await expectSlabMatches(slab, ref, loaded);
    });
  });

  it('an update touches only its own slots; a write replaces only its slots', async () => {
    const d = 7;
    const next = rng(11);
    const ref = new ReferenceUsers(d, 6, next, 8);
    const slab = backend.createSlab(d, 6);
    await withReferenceSlab(slab, ref, async () => {
      const untouched = Int32Array.from([0, 2, 3, 5]);
      const before = await slab.read(untouched);
      const slots = Int32Array.from([4, 1, 4, 4, 1]);
      await slab.update(features(next, slots.length * d), Float64Array.from([1, 0, 1, 1, 0]), slots);
      expect(await slab.read(untouched)).toEqual(before);
      const other = new ReferenceUsers(d, 1, rng(12), 5).packed();
      await slab.write(Int32Array.from([2]), other.ainv, other.theta, other.b);
      const after = await slab.read(Int32Array.from([0, 2]));
      expect(Array.from(after.ainv.subarray(0, d * d))).toEqual(Array.from(before.ainv.subarray(0, d * d)));
      const f32 = (v: Float64Array) => Array.from(Float32Array.from(v));
      expect(Array.from(after.theta.subarray(d))).toEqual(f32(other.theta));
      expect(Array.from(after.b.subarray(d))).toEqual(f32(other.b));
    });
  });

  it('scores many users at once: 1,000 users × 20 candidates at d = 12', async () => {
    const d = 12;
    const users = 1000;
    const next = rng(3);
    const ref = new ReferenceUsers(d, users, next, 20);
    const slab = backend.createSlab(d, users);
    await withReferenceSlab(slab, ref, async () => {
      const slots = Int32Array.from({ length: users * 20 }, (_, i) => Math.floor(i / 20));
      const x = features(next, slots.length * d);
      const got = await slab.scoreUCB(x, slots, 0.7);
      const { want, scale } = referenceScores(ref, x, slots, 0.7);
      expectScoresClose(got, want, scale);
      expectSameChoice(got, want, scale, 20);
    });
  });

  it('past 65,535 workgroups (TF.js reshapes the dispatch to 2-D) every row is scored once, and no tensor leaks', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const n = 65_535 * 64 + 1000;
    const slab = backend.createSlab(1, 3);
    try {
      // d = 1 keeps the upload small: A⁻¹ = [a], θ = [t], score = t·x + α·√(a·x²).
      await slab.write(
        Int32Array.from([0, 1, 2]),
        Float64Array.from([1, 0.5, 0.25]),
        Float64Array.from([1, -2, 3]),
        new Float64Array(3),
      );
      const slots = Int32Array.from({ length: n }, (_, i) => i % 3);
      const x = Float64Array.from({ length: n }, (_, i) => ((i % 1000) - 500) / 500);
      const got = await slab.scoreUCB(x, slots, 0.5);
      const a = [1, 0.5, 0.25];
      const t = [1, -2, 3];
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const s = i % 3;
        const want = t[s]! * x[i]! + 0.5 * Math.sqrt(a[s]! * x[i]! * x[i]!);
        worst = Math.max(worst, Math.abs(got[i]! - want) / (Math.abs(t[s]! * x[i]!) + 1e-30));
      }
      expect(worst).toBeLessThanOrEqual(1e-4);
      await slab.update(Float64Array.from([1, 1]), Float64Array.from([1, 0]), Int32Array.from([2, 2]));
      await slab.read(Int32Array.from([2]));
    } finally {
      slab.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('refuses slots outside the slab and mismatched lengths instead of touching another row', async () => {
    const slab = backend.createSlab(5, 2);
    try {
      await expect(slab.scoreGreedy(new Float64Array(5), Int32Array.from([2]))).rejects.toThrow(/slot 2/);
      await expect(slab.scoreUCB(new Float64Array(4), Int32Array.from([0]), 1)).rejects.toThrow(/x has 4/);
      await expect(
        slab.update(new Float64Array(5), new Float64Array(1), Int32Array.from([-1])),
      ).rejects.toThrow(/slot -1/);
      expect(await slab.scoreUCB(new Float64Array(0), new Int32Array(0), 1)).toEqual(new Float64Array(0));
    } finally {
      slab.dispose();
    }
  });

  it('a second load() in the process reuses the device, and refuses to pretend a software adapter is hardware', async () => {
    const again = await load();
    expect(again.name).toBe('tfjs-webgpu');
    const kind = (backend as unknown as { adapter: string }).adapter.split(':')[0];
    const other = kind === 'software' ? 'hardware' : 'software';
    await expect(load({ adapter: other })).rejects.toThrow(
      new RegExp(`already runs WebGPU on a ${kind} adapter`),
    );
  });
});
