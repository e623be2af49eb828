import * as tf from '@tensorflow/tfjs-core';
import type { Slab } from '../backend.js';
import { BanditScoreGreedy, BanditScoreUCB, BanditUpdate } from '../kernel_names.js';
import { checkRows, checkSlots } from '../kernel-config.js';
import { packedSize, packMany, unpackMany } from '../packed-symmetric.js';

/** How a TF.js backend exposes a tensor's storage to host code (cpu: its data map; wasm: its heap). */
export type StorageView = (t: tf.TensorInfo) => Float32Array;

/**
 * A slab as three float32 tensors owned by one TF.js backend: packed A⁻¹ [S, d(d+1)/2], θ and b
 * [S, d]. Scoring runs the fused kernels through `tf.engine().runKernel`; BanditUpdate writes into
 * the slab's own tensors in place (they are private to the slab), so nothing is re-uploaded.
 */
export class TfjsSlab implements Slab {
  private readonly t: number;
  private readonly ainv: tf.Tensor;
  private readonly theta: tf.Tensor;
  private readonly b: tf.Tensor;

  constructor(
    readonly d: number,
    readonly capacity: number,
    private readonly backendName: string,
    private readonly view: StorageView,
  ) {
    this.use();
    this.t = packedSize(d);
    this.ainv = tf.zeros([capacity, this.t], 'float32');
    this.theta = tf.zeros([capacity, d], 'float32');
    this.b = tf.zeros([capacity, d], 'float32');
  }

  /** Several TF.js backends may be loaded in one process; kernels run on the current one. */
  private use(): void {
    if (tf.getBackend() !== this.backendName) void tf.setBackend(this.backendName);
  }

  write(slots: Int32Array, ainv: Float64Array, theta: Float64Array, b: Float64Array): void {
    checkSlots(slots, this.capacity);
    this.use();
    const { d, t } = this;
    const va = this.view(this.ainv);
    const vt = this.view(this.theta);
    const vb = this.view(this.b);
    const packed = new Float64Array(t);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      packMany(ainv.subarray(i * d * d, (i + 1) * d * d), 1, d, packed);
      va.set(packed, s * t);
      vt.set(theta.subarray(i * d, (i + 1) * d), s * d);
      vb.set(b.subarray(i * d, (i + 1) * d), s * d);
    }
  }

  private async score(
    kernel: string,
    x: Float64Array,
    slots: Int32Array,
    attrs: object,
  ): Promise<Float64Array> {
    const n = checkRows(kernel, x, slots, this.d);
    checkSlots(slots, this.capacity);
    this.use();
    const xt = tf.tensor2d(Float32Array.from(x), [n, this.d], 'float32');
    const st = tf.tensor1d(slots, 'int32');
    const inputs: tf.NamedTensorMap =
      kernel === BanditScoreUCB
        ? { ainv: this.ainv, theta: this.theta, x: xt, slot: st }
        : { theta: this.theta, x: xt, slot: st };
    const out = tf.engine().runKernel(kernel, inputs, { ...attrs, d: this.d }) as tf.Tensor;
    try {
      return Float64Array.from(await out.data());
    } finally {
      tf.dispose([xt, st, out]);
    }
  }

  scoreUCB(x: Float64Array, slots: Int32Array, alpha: number): Promise<Float64Array> {
    return this.score(BanditScoreUCB, x, slots, { alpha });
  }

  scoreGreedy(x: Float64Array, slots: Int32Array): Promise<Float64Array> {
    return this.score(BanditScoreGreedy, x, slots, {});
  }

  async update(x: Float64Array, reward: Float64Array, slots: Int32Array): Promise<void> {
    const n = checkRows('update', x, slots, this.d);
    if (reward.length !== n) throw new RangeError('update: one reward per row');
    checkSlots(slots, this.capacity);
    this.use();
    const xt = tf.tensor2d(Float32Array.from(x), [n, this.d], 'float32');
    const rt = tf.tensor1d(Float32Array.from(reward), 'float32');
    const st = tf.tensor1d(slots, 'int32');
    try {
      tf.engine().runKernel(
        BanditUpdate,
        { ainv: this.ainv, b: this.b, theta: this.theta, x: xt, reward: rt, slot: st },
        { d: this.d },
      );
    } finally {
      tf.dispose([xt, rt, st]);
    }
  }

  async read(slots: Int32Array): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }> {
    checkSlots(slots, this.capacity);
    this.use();
    const { d, t } = this;
    const n = slots.length;
    const va = this.view(this.ainv);
    const vt = this.view(this.theta);
    const vb = this.view(this.b);
    const packed = new Float64Array(n * t);
    const theta = new Float64Array(n * d);
    const b = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      packed.set(va.subarray(s * t, (s + 1) * t), i * t);
      theta.set(vt.subarray(s * d, (s + 1) * d), i * d);
      b.set(vb.subarray(s * d, (s + 1) * d), i * d);
    }
    const ainv = new Float64Array(n * d * d);
    unpackMany(packed, n, d, ainv);
    return { ainv, theta, b };
  }

  dispose(): void {
    tf.dispose([this.ainv, this.theta, this.b]);
  }
}
