/**
 * The contract of every batched backend, in the spirit of tfjs-core's kernel_names.ts: each kernel's
 * name, inputs (with shapes) and attributes. Backends implement these one file per kernel; the float64
 * reference in `reference/` is what they are checked against.
 *
 * Shapes: S = slots (resident users of one policy), d = feature width, N = candidate rows in a batch
 * (many users × their candidates), M = rewards in a batch. `slot[n]` says whose row n is.
 *
 * Inputs are TF.js tensors, as tfjs-core types its own kernels' inputs: the TF.js backends receive
 * them so. The host backends (js-f64, wasm-simd) take the same names over typed arrays and memory
 * offsets, typed in their own kernel files.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** LinUCB: out[n] = θ[slot]ᵀx[n] + α·√(x[n]ᵀ·A⁻¹[slot]·x[n]). */
export const BanditScoreUCB = 'BanditScoreUCB';
export interface BanditScoreUCBInputs {
  /** [S, d, d] row-major, symmetric. */
  ainv: TensorInfo;
  /** [S, d] */
  theta: TensorInfo;
  /** [N, d] */
  x: TensorInfo;
  /** [N] int32 */
  slot: TensorInfo;
}
export interface BanditScoreUCBAttrs {
  alpha: number;
  d: number;
}

/** ε-greedy's greedy part: out[n] = θ[slot]ᵀx[n]. */
export const BanditScoreGreedy = 'BanditScoreGreedy';
export interface BanditScoreGreedyInputs {
  theta: TensorInfo;
  x: TensorInfo;
  slot: TensorInfo;
}
export interface BanditScoreGreedyAttrs {
  d: number;
}

/**
 * M rank-one updates scattered into the resident slab, in batch order (a slot may appear several
 * times): b += r·x; A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x) (Sherman–Morrison); θ = A⁻¹b.
 */
export const BanditUpdate = 'BanditUpdate';
export interface BanditUpdateInputs {
  ainv: TensorInfo;
  b: TensorInfo;
  theta: TensorInfo;
  /** [M, d] */
  x: TensorInfo;
  /** [M] */
  reward: TensorInfo;
  /** [M] int32 */
  slot: TensorInfo;
}
export interface BanditUpdateAttrs {
  d: number;
}
