import type * as TF from '@tensorflow/tfjs-core';
import type { Slab } from '../backend.js';
import { BanditScoreGreedy, BanditScoreUCB, BanditUpdate } from '../kernel_names.js';
import { checkLengths, checkSlots } from '../kernel-config.js';
import { lastRowPerSlot, readDenseRows } from '../tfjs-common/dense-slab-rows.js';
import { ScatterRows } from './kernels/scatter-rows.js';
import type { WebGPUBackend } from './kernels/webgpu-backend-type.js';

type Tf = typeof TF;

/** float64 → float32 with a plain loop: about twice as fast as Float32Array.from on V8 for millions of rows. */
function toFloat32(src: Float64Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}

/**
 * A slab of S users' posteriors resident in GPU buffers, float32: A⁻¹ [S, d, d], θ [S, d], b [S, d].
 * Scoring uploads only the candidate rows and their slots; updates and writes change the buffers in
 * place (see kernels/bandit-update.ts), so no call ever moves the slab between host and GPU except
 * `read`.
 */
export class WebGPUSlab implements Slab {
  readonly d: number;
  readonly capacity: number;
  private readonly tf: Tf;
  private readonly ensureActive: () => Promise<void>;
  private ainv: TF.Tensor;
  private theta: TF.Tensor;
  private b: TF.Tensor;
  private disposed = false;

  constructor(tf: Tf, ensureActive: () => Promise<void>, d: number, capacity: number) {
    this.tf = tf;
    this.ensureActive = ensureActive;
    this.d = d;
    this.capacity = capacity;
    // Made on the webgpu backend whichever backend is active now (createSlab is synchronous); the
    // zeros are uploaded on first use.
    const webgpu = tf.findBackend('webgpu') as WebGPUBackend | null;
    if (!webgpu) throw new Error("tfjs's 'webgpu' backend is not initialized");
    const zeros = (shape: number[]): TF.Tensor =>
      tf
        .engine()
        .makeTensorFromTensorInfo(
          webgpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((p, q) => p * q, 1))),
          webgpu,
        );
    this.ainv = zeros([capacity, d, d]);
    this.theta = zeros([capacity, d]);
    this.b = zeros([capacity, d]);
  }

  async write(slots: Int32Array, ainv: Float64Array, theta: Float64Array, b: Float64Array): Promise<void> {
    const { d } = this;
    const n = slots.length;
    this.check(slots, [
      [ainv, n * d * d, 'ainv'],
      [theta, n * d, 'theta'],
      [b, n * d, 'b'],
    ]);
    if (n === 0) return;
    await this.ensureActive();
    const { slots: unique, pick } = lastRowPerSlot(slots);
    const { tf } = this;
    const slotT = tf.tensor1d(unique, 'int32');
    try {
      this.scatter(this.ainv, tf.tensor2d(pick(ainv, d * d), [unique.length, d * d]), slotT);
      this.scatter(this.theta, tf.tensor2d(pick(theta, d), [unique.length, d]), slotT);
      this.scatter(this.b, tf.tensor2d(pick(b, d), [unique.length, d]), slotT);
    } finally {
      slotT.dispose();
    }
  }

  async scoreUCB(x: Float64Array, slots: Int32Array, alpha: number): Promise<Float64Array> {
    if (!Number.isFinite(alpha)) throw new RangeError(`alpha must be finite, not ${alpha}`);
    return this.score(BanditScoreUCB, x, slots, { alpha, d: this.d });
  }

  async scoreGreedy(x: Float64Array, slots: Int32Array): Promise<Float64Array> {
    return this.score(BanditScoreGreedy, x, slots, { d: this.d });
  }

  async update(x: Float64Array, reward: Float64Array, slots: Int32Array): Promise<void> {
    const m = slots.length;
    this.check(slots, [
      [x, m * this.d, 'x'],
      [reward, m, 'reward'],
    ]);
    if (m === 0) return;
    await this.ensureActive();
    const { tf } = this;
    const xT = tf.tensor2d(toFloat32(x), [m, this.d]);
    const rT = tf.tensor1d(toFloat32(reward), 'float32');
    const sT = tf.tensor1d(slots, 'int32');
    try {
      const outs = tf
        .engine()
        .runKernel(
          BanditUpdate,
          { ainv: this.ainv, b: this.b, theta: this.theta, x: xT, reward: rT, slot: sT },
          { d: this.d },
        ) as TF.Tensor[];
      for (const t of outs) t.dispose();
    } finally {
      tf.dispose([xT, rT, sT]);
    }
  }

  async read(slots: Int32Array): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }> {
    this.check(slots, []);
    if (slots.length > 0) await this.ensureActive();
    return readDenseRows(this.tf, { ainv: this.ainv, theta: this.theta, b: this.b }, slots, this.d);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tf.dispose([this.ainv, this.theta, this.b]);
  }

  private async score(
    kernel: string,
    x: Float64Array,
    slots: Int32Array,
    attrs: Record<string, number>,
  ): Promise<Float64Array> {
    const n = slots.length;
    this.check(slots, [[x, n * this.d, 'x']]);
    if (n === 0) return new Float64Array(0);
    await this.ensureActive();
    const { tf } = this;
    const xT = tf.tensor2d(toFloat32(x), [n, this.d]);
    const sT = tf.tensor1d(slots, 'int32');
    const inputs: TF.NamedTensorMap =
      kernel === BanditScoreUCB
        ? { ainv: this.ainv, theta: this.theta, x: xT, slot: sT }
        : { theta: this.theta, x: xT, slot: sT };
    let out: TF.Tensor | undefined;
    try {
      out = tf.engine().runKernel(kernel, inputs, attrs) as TF.Tensor;
      return Float64Array.from(await out.data<'float32'>());
    } finally {
      tf.dispose([xT, sT]);
      out?.dispose();
    }
  }

  private scatter(slab: TF.Tensor, rows: TF.Tensor, slot: TF.Tensor): void {
    try {
      (this.tf.engine().runKernel(ScatterRows, { slab, rows, slot }) as TF.Tensor).dispose();
    } finally {
      rows.dispose();
    }
  }

  /** Out-of-range slots would read or write another user's row on the GPU: refuse them here. */
  private check(slots: Int32Array, arrays: Array<[Float64Array, number, string]>): void {
    if (this.disposed) throw new Error('slab is disposed');
    checkLengths(arrays);
    checkSlots(slots, this.capacity);
  }
}
