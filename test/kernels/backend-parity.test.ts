import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BanditBackend } from '../../kernels/backend.js';
import { posterior, rankOneUpdate, scoreGreedy, scoreLinUCB } from '../../kernels/reference/mod.js';
import { type BackendName, loadBackendByName } from '../../kernels/registry.js';
import { maxRelError, type SlabCase, slabCase, slabInputs } from './random-slab-case.js';

/** Backends this branch ships; each must load here. The GPU/native ones have their own tests. */
const SHIPPED: readonly BackendName[] = ['js-f64', 'wasm-simd', 'wasm-simd-f32', 'tfjs-cpu', 'tfjs-wasm'];

function tolerance(b: BanditBackend): number {
  return b.precision === 'float64' ? 1e-9 : 1e-4;
}

function referenceScores(c: SlabCase, kind: 'ucb' | 'greedy', users = c.users): Float64Array {
  const { d } = c;
  const out = new Float64Array(c.slots.length);
  const posts = users.map((u) => posterior(u.a, u.b, d));
  for (let r = 0; r < c.slots.length; r++) {
    const p = posts[c.slots[r]!]!;
    const row = c.x.subarray(r * d, (r + 1) * d);
    out[r] = kind === 'ucb' ? scoreLinUCB(p, row, 1, c.alpha)[0]! : scoreGreedy(p, row, 1)[0]!;
  }
  return out;
}

/** Index of the best score among rows [from, to), earliest on ties, and whether the runner-up is close. */
function best(scores: ArrayLike<number>, from: number, to: number, tol: number) {
  let at = from;
  for (let i = from + 1; i < to; i++) if (scores[i]! > scores[at]!) at = i;
  let nearTie = false;
  for (let i = from; i < to; i++) {
    if (i !== at && scores[at]! - scores[i]! <= tol * Math.max(1, Math.abs(scores[at]!))) nearTie = true;
  }
  return { at, nearTie };
}

describe.each(SHIPPED)('backend %s against the float64 reference', (name) => {
  it('loads', async () => {
    const b = await loadBackendByName(name);
    expect(b.name).toBe(name);
    await b.dispose();
  });

  it('scores LinUCB and greedy like the reference, and picks the same candidate except on near ties', async () => {
    const backend = await loadBackendByName(name);
    const tol = tolerance(backend);
    await fc.assert(
      fc.asyncProperty(slabCase(), async (c) => {
        // A roomier slab than needed, users at scattered slots: slot indices, not positions, matter.
        const slab = backend.createSlab(c.d, c.users.length * 3 + 1);
        const w = slabInputs(c);
        const at = Int32Array.from(w.slots, (s) => s * 3 + 1);
        await slab.write(at, w.ainv, w.theta, w.b);
        const slots = Int32Array.from(c.slots, (s) => s * 3 + 1);
        const ucb = await slab.scoreUCB(c.x, slots, c.alpha);
        const greedy = await slab.scoreGreedy(c.x, slots);
        const wantUcb = referenceScores(c, 'ucb');
        const wantGreedy = referenceScores(c, 'greedy');
        expect(maxRelError(ucb, wantUcb)).toBeLessThanOrEqual(tol);
        expect(maxRelError(greedy, wantGreedy)).toBeLessThanOrEqual(tol);
        // Runs of one user's rows are one request's candidates.
        let from = 0;
        for (let r = 1; r <= c.slots.length; r++) {
          if (r < c.slots.length && c.slots[r] === c.slots[from]) continue;
          for (const [got, want] of [
            [ucb, wantUcb],
            [greedy, wantGreedy],
          ] as const) {
            const ref = best(want, from, r, 10 * tol);
            if (!ref.nearTie) expect(best(got, from, r, 0).at).toBe(ref.at);
          }
          from = r;
        }
        slab.dispose();
      }),
      { numRuns: 60 },
    );
    await backend.dispose();
  });

  it('applies a batch of rewards in order, users repeated, like rank-one updates of A and b', async () => {
    const backend = await loadBackendByName(name);
    const tol = tolerance(backend);
    await fc.assert(
      fc.asyncProperty(slabCase(), async (c) => {
        const slab = backend.createSlab(c.d, c.users.length);
        const w = slabInputs(c);
        await slab.write(w.slots, w.ainv, w.theta, w.b);
        await slab.update(c.ux, c.reward, c.uslots);
        const { d } = c;
        const after = c.users.map((u) => ({ a: u.a.slice(), b: u.b.slice() }));
        for (let m = 0; m < c.uslots.length; m++) {
          const u = after[c.uslots[m]!]!;
          rankOneUpdate(u.a, u.b, c.ux.subarray(m * d, (m + 1) * d), c.reward[m]!, d);
        }
        const got = await slab.read(w.slots);
        const want = slabInputs({ ...c, users: after });
        expect(maxRelError(got.ainv, want.ainv)).toBeLessThanOrEqual(tol);
        expect(maxRelError(got.theta, want.theta)).toBeLessThanOrEqual(tol);
        expect(maxRelError(got.b, want.b)).toBeLessThanOrEqual(tol);
        // And scoring after the update sees the new posteriors.
        expect(
          maxRelError(await slab.scoreUCB(c.x, c.slots, c.alpha), referenceScores(c, 'ucb', after)),
        ).toBeLessThanOrEqual(tol);
        slab.dispose();
      }),
      { numRuns: 60 },
    );
    await backend.dispose();
  });

  it('rejects slots outside the slab and rows of the wrong width', async () => {
    const backend = await loadBackendByName(name);
    const slab = backend.createSlab(5, 2);
    await expect(async () => slab.scoreGreedy(new Float64Array(5), Int32Array.of(2))).rejects.toThrow(
      /outside/,
    );
    await expect(async () => slab.scoreGreedy(new Float64Array(4), Int32Array.of(0))).rejects.toThrow(
      /expected/,
    );
    slab.dispose();
    await backend.dispose();
  });
});
