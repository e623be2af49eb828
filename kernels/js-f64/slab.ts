import type { Slab } from '../backend.js';
import { checkRows, checkSlots } from '../kernel-config.js';
import { packedSize, packMany, unpackMany } from '../packed-symmetric.js';
import type { JsF64Kernels } from './kernels.js';

/** Posteriors of `capacity` users in plain typed arrays: packed A⁻¹, θ and b per slot. */
export class JsF64Slab implements Slab {
  private readonly t: number;
  private readonly ainv: Float64Array;
  private readonly theta: Float64Array;
  private readonly b: Float64Array;
  private readonly u: Float64Array;

  constructor(
    readonly d: number,
    readonly capacity: number,
    private readonly kernels: JsF64Kernels,
  ) {
    this.t = packedSize(d);
    this.ainv = new Float64Array(capacity * this.t);
    this.theta = new Float64Array(capacity * d);
    this.b = new Float64Array(capacity * d);
    this.u = new Float64Array(d);
  }

  write(slots: Int32Array, ainv: Float64Array, theta: Float64Array, b: Float64Array): void {
    checkSlots(slots, this.capacity);
    const { d, t } = this;
    const packed = new Float64Array(t);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      packMany(ainv.subarray(i * d * d, (i + 1) * d * d), 1, d, packed);
      this.ainv.set(packed, s * t);
      this.theta.set(theta.subarray(i * d, (i + 1) * d), s * d);
      this.b.set(b.subarray(i * d, (i + 1) * d), s * d);
    }
  }

  async scoreUCB(x: Float64Array, slots: Int32Array, alpha: number): Promise<Float64Array> {
    return this.scoreUCBSync(x, slots, alpha);
  }

  scoreUCBSync(x: Float64Array, slot: Int32Array, alpha: number): Float64Array {
    const out = new Float64Array(checkRows('scoreUCB', x, slot, this.d));
    checkSlots(slot, this.capacity);
    this.kernels.BanditScoreUCB({ ainv: this.ainv, theta: this.theta, x, slot, out, alpha, d: this.d });
    return out;
  }

  async scoreGreedy(x: Float64Array, slots: Int32Array): Promise<Float64Array> {
    return this.scoreGreedySync(x, slots);
  }

  scoreGreedySync(x: Float64Array, slot: Int32Array): Float64Array {
    const out = new Float64Array(checkRows('scoreGreedy', x, slot, this.d));
    checkSlots(slot, this.capacity);
    this.kernels.BanditScoreGreedy({ theta: this.theta, x, slot, out, d: this.d });
    return out;
  }

  async update(x: Float64Array, reward: Float64Array, slot: Int32Array): Promise<void> {
    this.updateSync(x, reward, slot);
  }

  updateSync(x: Float64Array, reward: Float64Array, slot: Int32Array): void {
    checkRows('update', x, slot, this.d);
    if (reward.length !== slot.length) throw new RangeError('update: one reward per row');
    checkSlots(slot, this.capacity);
    const { ainv, b, theta, d, u } = this;
    this.kernels.BanditUpdate({ ainv, b, theta, x, reward, slot, d, u });
  }

  async read(slots: Int32Array): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }> {
    checkSlots(slots, this.capacity);
    const { d, t } = this;
    const n = slots.length;
    const packed = new Float64Array(n * t);
    const theta = new Float64Array(n * d);
    const b = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      packed.set(this.ainv.subarray(s * t, (s + 1) * t), i * t);
      theta.set(this.theta.subarray(s * d, (s + 1) * d), i * d);
      b.set(this.b.subarray(s * d, (s + 1) * d), i * d);
    }
    const ainv = new Float64Array(n * d * d);
    unpackMany(packed, n, d, ainv);
    return { ainv, theta, b };
  }

  dispose(): void {}
}
