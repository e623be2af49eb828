import type * as TF from '@tensorflow/tfjs-core';
import type { Slab } from '../backend.js';
import { checkLengths, checkSlots } from '../kernel-config.js';
import { lastRowPerSlot, readDenseRows } from '../tfjs-common/dense-slab-rows.js';

type Tf = typeof TF;

/** Rows per op chain: bounds the [rows, d, d] gather a chunk materializes (65,536 × 144 × 4 B = 37 MiB at d=12). */
const CHUNK_ROWS = 65_536;

/**
 * Batched A·v for [n, d, d] × [n, d] as a broadcast multiply and a sum. Not batched matMul: TF.js's
 * GPU matMul tiles 32×32 per matrix, so n tiny d×d products waste most of every tile (on WebGPU it
 * was ~25× slower than this at n = 2,000, d = 12); libtensorflow runs either form well.
 */
function matVec(tf: Tf, a: TF.Tensor3D, v: TF.Tensor2D): TF.Tensor2D {
  return tf.sum(tf.mul(a, tf.expandDims(v, 1)), 2);
}

/**
 * The bandit kernels as chains of stock TF.js ops (gather, broadcast multiply, sum, scatterND), for backends
 * where those ops are native and fused kernels cannot be registered: libtensorflow under
 * tfjs-node(-gpu). It runs on any TF.js backend, which is how it is tested here (cpu) and how the
 * WebGPU bench measures the op chain its fused WGSL replaces. float32, like every TF.js backend.
 *
 * TF.js tensors are immutable, so a write or an update rebuilds the slab tensors (a masked scatter:
 * O(S·d²) device work per call, no host transfer); the fused WebGPU kernels update in place instead.
 */
export class ComposedSlab implements Slab {
  readonly d: number;
  readonly capacity: number;
  private readonly tf: Tf;
  private ainv: TF.Tensor3D;
  private theta: TF.Tensor2D;
  private b: TF.Tensor2D;
  private disposed = false;

  constructor(tf: Tf, d: number, capacity: number) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be a positive integer, not ${d}`);
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be ≥ 1, not ${capacity}`);
    this.tf = tf;
    this.d = d;
    this.capacity = capacity;
    this.ainv = tf.keep(tf.zeros([capacity, d, d], 'float32'));
    this.theta = tf.keep(tf.zeros([capacity, d], 'float32'));
    this.b = tf.keep(tf.zeros([capacity, d], 'float32'));
  }

  async write(slots: Int32Array, ainv: Float64Array, theta: Float64Array, b: Float64Array): Promise<void> {
    const { d, tf } = this;
    const n = slots.length;
    this.check(slots, [
      [ainv, n * d * d, 'ainv'],
      [theta, n * d, 'theta'],
      [b, n * d, 'b'],
    ]);
    if (n === 0) return;
    const { slots: uniq, pick } = lastRowPerSlot(slots);
    const u = uniq.length;
    this.replace({
      ainv: tf.tensor3d(pick(ainv, d * d), [u, d, d]),
      theta: tf.tensor2d(pick(theta, d), [u, d]),
      b: tf.tensor2d(pick(b, d), [u, d]),
      slots: uniq,
    });
  }

  async scoreUCB(x: Float64Array, slots: Int32Array, alpha: number): Promise<Float64Array> {
    if (!Number.isFinite(alpha)) throw new RangeError(`alpha must be finite, not ${alpha}`);
    return this.score(x, slots, alpha);
  }

  async scoreGreedy(x: Float64Array, slots: Int32Array): Promise<Float64Array> {
    return this.score(x, slots, null);
  }

  async update(x: Float64Array, reward: Float64Array, slots: Int32Array): Promise<void> {
    const { d, tf } = this;
    const m = slots.length;
    this.check(slots, [
      [x, m * d, 'x'],
      [reward, m, 'reward'],
    ]);
    if (m === 0) return;
    // Round r holds every slot's r-th reward of the batch: slots are distinct within a round, so a
    // round is one batched Sherman–Morrison step, and rounds run in order.
    const seen = new Map<number, number>();
    const rounds: number[][] = [];
    for (let i = 0; i < m; i++) {
      const r = seen.get(slots[i]!) ?? 0;
      seen.set(slots[i]!, r + 1);
      if (r === rounds.length) rounds.push([]);
      rounds[r]!.push(i);
    }
    for (const rows of rounds) {
      const g = rows.length;
      const xs = new Float32Array(g * d);
      const rs = new Float32Array(g);
      const ss = new Int32Array(g);
      rows.forEach((i, k) => {
        xs.set(x.subarray(i * d, (i + 1) * d), k * d);
        rs[k] = reward[i]!;
        ss[k] = slots[i]!;
      });
      const next = tf.tidy(() => {
        const idx = tf.tensor1d(ss, 'int32');
        const xt = tf.tensor2d(xs, [g, d]);
        const a = tf.gather(this.ainv, idx) as TF.Tensor3D;
        const u = matVec(tf, a, xt); // A⁻¹x, [g, d]
        const den = tf.add(1, tf.sum(tf.mul(u, xt), 1)); // 1 + xᵀA⁻¹x, [g]
        const uuT = tf.mul(tf.expandDims(u, 2), tf.expandDims(u, 1)); // [g, d, d]
        const a2 = tf.sub(a, tf.div(uuT, tf.reshape(den, [g, 1, 1])));
        const b2 = tf.add(tf.gather(this.b, idx), tf.mul(xt, tf.tensor2d(rs, [g, 1])));
        const t2 = matVec(tf, a2 as TF.Tensor3D, b2 as TF.Tensor2D);
        return { ainv: a2 as TF.Tensor3D, b: b2 as TF.Tensor2D, theta: t2 as TF.Tensor2D };
      });
      this.replace({ ...next, slots: ss });
    }
  }

  async read(slots: Int32Array): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }> {
    this.check(slots, []);
    return readDenseRows(this.tf, { ainv: this.ainv, theta: this.theta, b: this.b }, slots, this.d);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tf.dispose([this.ainv, this.theta, this.b]);
  }

  private async score(x: Float64Array, slots: Int32Array, alpha: number | null): Promise<Float64Array> {
    const { d, tf } = this;
    const n = slots.length;
    this.check(slots, [[x, n * d, 'x']]);
    const out = new Float64Array(n);
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const end = Math.min(n, start + CHUNK_ROWS);
      const rows = end - start;
      const t = tf.tidy(() => {
        const xs = tf.tensor2d(Float32Array.from(x.subarray(start * d, end * d)), [rows, d]);
        const idx = tf.tensor1d(slots.subarray(start, end), 'int32');
        const mean = tf.sum(tf.mul(tf.gather(this.theta, idx), xs), 1);
        if (alpha === null) return mean;
        // xᵀA⁻¹x = Σᵢⱼ A⁻¹ᵢⱼ·(xxᵀ)ᵢⱼ: one reduction of d² per row (a reduction per row of A⁻¹x would
        // be d times as many outputs, and TF.js's GPU reduce costs per output).
        const outer = tf.reshape(tf.mul(tf.expandDims(xs, 2), tf.expandDims(xs, 1)), [rows, d * d]);
        const quad = tf.sum(tf.mul(tf.reshape(tf.gather(this.ainv, idx), [rows, d * d]), outer), 1);
        return tf.add(mean, tf.mul(alpha, tf.sqrt(tf.relu(quad))));
      });
      try {
        out.set(await t.data<'float32'>(), start);
      } finally {
        t.dispose();
      }
    }
    return out;
  }

  /** Rows `slots` of each slab tensor ← the given rows (distinct slots); consumes the row tensors. */
  private replace(next: { ainv: TF.Tensor3D; theta: TF.Tensor2D; b: TF.Tensor2D; slots: Int32Array }): void {
    const { tf } = this;
    const g = next.slots.length;
    const swap = <T extends TF.Tensor>(old: T, rows: T): T => {
      const fresh = tf.tidy(() => {
        const idx = tf.tensor2d(next.slots, [g, 1], 'int32');
        const mask = tf.scatterND(idx, tf.onesLike(rows), old.shape);
        return tf.add(tf.mul(old, tf.sub(1, mask)), tf.scatterND(idx, rows, old.shape)) as T;
      });
      old.dispose();
      rows.dispose();
      return tf.keep(fresh);
    };
    this.ainv = swap(this.ainv, next.ainv);
    this.theta = swap(this.theta, next.theta);
    this.b = swap(this.b, next.b);
  }

  private check(slots: Int32Array, arrays: Array<[Float64Array, number, string]>): void {
    if (this.disposed) throw new Error('slab is disposed');
    checkLengths(arrays);
    checkSlots(slots, this.capacity);
  }
}
