/**
 * tfjs-node(-gpu) needs libtensorflow, which its install script downloads; that cannot happen on this
 * machine, so here the packages are absent and what can be checked is that load() says so cleanly.
 * The kernels it would run (ComposedSlab, stock TF.js ops) are checked for parity on TF.js's cpu
 * backend instead: the same op chain, a different executor.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComposedSlab, load } from '../../kernels/tfjs-node/mod.js';
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

describe('tfjs-node backend', () => {
  it('rejects with the reason for each package when neither can be loaded', async () => {
    const installed = await Promise.all(
      ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].map((p) =>
        import(p as string).then(
          () => true,
          () => false,
        ),
      ),
    );
    // This test is about the machine without libtensorflow; where a binding is installed, load() must work.
    if (installed.some(Boolean)) {
      const backend = await load();
      expect(backend.name).toMatch(/^tfjs-node(-gpu)?$/);
      return;
    }
    const err = await load().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^tfjs-node: no libtensorflow binding can be loaded/);
    expect((err as Error).message).toContain('@tensorflow/tfjs-node-gpu: ');
    expect((err as Error).message).toContain('@tensorflow/tfjs-node: ');
  });
});

describe('ComposedSlab (the tfjs-node op chain) on the TF.js cpu backend vs the float64 reference', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('scores: relative error ≤ 1e-4, same chosen candidate except near ties', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          d: fc.constantFrom(5, 7, 12),
          users: fc.integer({ min: 1, max: 6 }),
          k: fc.integer({ min: 1, max: 20 }),
          alpha: fc.double({ min: 0, max: 3, noNaN: true }),
        }),
        async ({ seed, d, users, k, alpha }) => {
          const next = rng(seed);
          const ref = new ReferenceUsers(d, users, next, 30);
          const slab = new ComposedSlab(tf, d, users + 2);
          await withReferenceSlab(slab, ref, async () => {
            const slots = Int32Array.from({ length: 4 * k }, (_, i) => (Math.floor(i / k) * 7) % users);
            const x = features(next, slots.length * d);
            const ucb = referenceScores(ref, x, slots, alpha);
            const gotU = await slab.scoreUCB(x, slots, alpha);
            expectScoresClose(gotU, ucb.want, ucb.scale);
            expectSameChoice(gotU, ucb.want, ucb.scale, k);
            const greedy = referenceScores(ref, x, slots, null);
            expectScoresClose(await slab.scoreGreedy(x, slots), greedy.want, greedy.scale);
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('updates: repeated users in a batch equal the rewards applied in order; no tensors leak', async () => {
    const tensorsBefore = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          d: fc.constantFrom(5, 7, 12),
          users: fc.integer({ min: 1, max: 5 }),
          rewards: fc.integer({ min: 1, max: 30 }),
        }),
        async ({ seed, d, users, rewards }) => {
          const next = rng(seed);
          const ref = new ReferenceUsers(d, users, next, 10);
          const slab = new ComposedSlab(tf, d, users);
          await withReferenceSlab(slab, ref, async (loaded) => {
            const slots = Int32Array.from({ length: rewards }, () => Math.floor(next() * users));
            const x = features(next, rewards * d);
            const r = Float64Array.from({ length: rewards }, () => next() * 2 - 1);
            await slab.update(x, r, slots);
            ref.update(x, r, slots);
            await expectSlabMatches(slab, ref, loaded);
          });
        },
      ),
      { numRuns: 25 },
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
