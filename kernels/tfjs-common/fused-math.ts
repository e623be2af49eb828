/**
 * The fused kernels' bodies over float32 storage, for the TF.js backends whose kernels run in JS (cpu,
 * and wasm through its heap). They are js-f64's kernels: packed upper-triangular A⁻¹ and
 * Sherman–Morrison updates, with arithmetic in JS doubles; only the storage is float32.
 */
import { scoreGreedy } from '../js-f64/bandit-score-greedy.js';
import { scoreUCB } from '../js-f64/bandit-score-ucb.js';
import { update } from '../js-f64/bandit-update.js';

type Arr = Float32Array;

export function fusedScoreUCB(
  ainv: Arr,
  theta: Arr,
  x: Arr,
  slot: Int32Array,
  out: Arr,
  alpha: number,
  d: number,
): void {
  scoreUCB({ ainv, theta, x, slot, out, alpha, d });
}

export function fusedScoreGreedy(theta: Arr, x: Arr, slot: Int32Array, out: Arr, d: number): void {
  scoreGreedy({ theta, x, slot, out, d });
}

export function fusedUpdate(
  ainv: Arr,
  b: Arr,
  theta: Arr,
  x: Arr,
  reward: Arr,
  slot: Int32Array,
  d: number,
): void {
  update({ ainv, b, theta, x, reward, slot, d, u: new Float64Array(d) });
}
