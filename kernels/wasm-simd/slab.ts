import type { Precision, Rows, Slab } from '../backend.js';
import { checkRows, checkSlots } from '../kernel-config.js';
import { packedSize, packMany, unpackMany } from '../packed-symmetric.js';
import type { BanditExports, WasmModule } from './instance.js';
import type { WasmKernels } from './kernels.js';
import { type KernelArgs, Kind, SecondCore } from './second-core.js';
import { ensureBytes, type IoLayout, ioLayout, type SlabLayout, slabLayout } from './wasm-memory.js';

/** A slab in its own wasm linear memory; scoring copies only the rows and slots in. */
export class WasmSlab implements Slab {
  private readonly layout: SlabLayout;
  private readonly t: number;
  private readonly Typed: Float64ArrayConstructor | Float32ArrayConstructor;

  constructor(
    readonly d: number,
    readonly capacity: number,
    private readonly wasm: BanditExports,
    private readonly kernels: WasmKernels,
    precision: Precision = 'float64',
    /** The module, for the second-core worker; null: one thread. */
    private readonly module: WasmModule | null = null,
    /** Calls with at least this many rows are split with the worker thread. */
    private readonly parallelFrom = 4096,
  ) {
    if (d > 16) throw new RangeError('wasm-simd supports d ≤ 16');
    this.t = packedSize(d);
    const elem = precision === 'float64' ? 8 : 4;
    this.Typed = elem === 8 ? Float64Array : Float32Array;
    this.layout = slabLayout(wasm.heapBase(), d, capacity, elem);
    ensureBytes(wasm.memory, this.layout.io);
  }

  private secondCore: SecondCore | null = null;

  /** The worker for a large call, started on first need; null while it is not running yet. */
  private worker(n: number): SecondCore | null {
    if (this.module === null || n < this.parallelFrom) return null;
    this.secondCore ??= new SecondCore(this.module, this.wasm.memory);
    return this.secondCore.ready ? this.secondCore : null;
  }

  /** Whether the worker thread is up (tests wait for it). */
  get secondCoreReady(): boolean {
    return this.secondCore?.ready ?? false;
  }

  /**
   * Runs a scoring kernel, the last rows on the worker thread when the call is large. The kernels
   * check each row's slot against the capacity as they load it (no separate pass over the slots in
   * JS), and stop at the first bad one: this throws the same RangeError as checkSlots.
   */
  private runScore(ucb: boolean, io: IoLayout, n: number, alpha: number, slots: Int32Array): void {
    const { layout, wasm } = this;
    const run = (rows: number) =>
      ucb
        ? this.kernels.BanditScoreUCB({ wasm, layout, io, n: rows, alpha })
        : this.kernels.BanditScoreGreedy({ wasm, layout, io, n: rows });
    const second = this.worker(n);
    if (!second) {
      this.throwIfStopped(run(n), n, slots, 0);
      return;
    }
    // Halves at a multiple of four rows, so the main half keeps its four-row blocks.
    const h = ((n >> 1) + 3) & ~3;
    const e = layout.elem;
    const d = this.d;
    const args: KernelArgs = [
      layout.ainv,
      layout.theta,
      io.x + h * d * e,
      io.slot + h * 4,
      io.out + h * e,
      n - h,
      d,
      alpha,
      layout.workerScratch,
      this.capacity,
    ];
    second.start(ucb ? (e === 8 ? Kind.UCB : Kind.UCB32) : e === 8 ? Kind.Greedy : Kind.Greedy32, args);
    let main = h;
    let rest = n - h;
    try {
      main = run(h);
    } finally {
      rest = second.join();
    }
    this.throwIfStopped(main, h, slots, 0);
    this.throwIfStopped(rest, n - h, slots, h);
  }

  private throwIfStopped(done: number, rows: number, slots: Int32Array, from: number): void {
    if (done !== rows) checkSlots(slots.subarray(from + done, from + done + 1), this.capacity);
  }

  /** A view of stored numbers (float64 or float32, the slab's precision). */
  private f64(byteOffset: number, length: number): Rows {
    return new this.Typed(this.wasm.memory.buffer, byteOffset, length);
  }

  write(slots: Int32Array, ainv: Float64Array, theta: Float64Array, b: Float64Array): void {
    checkSlots(slots, this.capacity);
    const { d, t, layout } = this;
    const packedAll = this.f64(layout.ainv, this.capacity * t);
    const thetaAll = this.f64(layout.theta, this.capacity * d);
    const bAll = this.f64(layout.b, this.capacity * d);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      packMany(ainv.subarray(i * d * d, (i + 1) * d * d), 1, d, packedAll.subarray(s * t, (s + 1) * t));
      thetaAll.set(theta.subarray(i * d, (i + 1) * d), s * d);
      bAll.set(b.subarray(i * d, (i + 1) * d), s * d);
    }
  }

  stagingBuffers(n: number): { x: Rows; slots: Int32Array } {
    const { io, end } = ioLayout(this.layout, n);
    ensureBytes(this.wasm.memory, end);
    const buf = this.wasm.memory.buffer;
    return { x: new this.Typed(buf, io.x, n * this.d), slots: new Int32Array(buf, io.slot, n) };
  }

  /** Copies the call's rows and slots into the per-call region, unless they were built there. */
  private stage(x: Rows, slots: Int32Array, reward?: Float64Array): IoLayout {
    const n = slots.length;
    const { io, end } = ioLayout(this.layout, n);
    ensureBytes(this.wasm.memory, end);
    const buf = this.wasm.memory.buffer;
    if (x.buffer !== buf || x.byteOffset !== io.x) new this.Typed(buf, io.x, n * this.d).set(x);
    if (slots.buffer !== buf || slots.byteOffset !== io.slot) new Int32Array(buf, io.slot, n).set(slots);
    if (reward) new this.Typed(buf, io.reward, n).set(reward);
    return io;
  }

  async scoreUCB(x: Rows, slots: Int32Array, alpha: number): Promise<Float64Array> {
    return this.scoreUCBSync(x, slots, alpha);
  }

  scoreUCBSync(x: Rows, slots: Int32Array, alpha: number): Float64Array {
    const n = checkRows('scoreUCB', x, slots, this.d);
    const io = this.stage(x, slots);
    this.runScore(true, io, n, alpha, slots);
    const out = this.f64(io.out, n);
    return out instanceof Float64Array ? out.slice() : Float64Array.from(out);
  }

  async scoreGreedy(x: Rows, slots: Int32Array): Promise<Float64Array> {
    return this.scoreGreedySync(x, slots);
  }

  scoreGreedySync(x: Rows, slots: Int32Array): Float64Array {
    const n = checkRows('scoreGreedy', x, slots, this.d);
    const io = this.stage(x, slots);
    this.runScore(false, io, n, 0, slots);
    const out = this.f64(io.out, n);
    return out instanceof Float64Array ? out.slice() : Float64Array.from(out);
  }

  async update(x: Float64Array, reward: Float64Array, slots: Int32Array): Promise<void> {
    this.updateSync(x, reward, slots);
  }

  updateSync(x: Float64Array, reward: Float64Array, slots: Int32Array): void {
    const n = checkRows('update', x, slots, this.d);
    if (reward.length !== n) throw new RangeError('update: one reward per row');
    checkSlots(slots, this.capacity);
    const io = this.stage(x, slots, reward);
    this.kernels.BanditUpdate({ wasm: this.wasm, layout: this.layout, io, n });
  }

  async read(slots: Int32Array): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }> {
    checkSlots(slots, this.capacity);
    const { d, t, layout } = this;
    const n = slots.length;
    const packedAll = this.f64(layout.ainv, this.capacity * t);
    const thetaAll = this.f64(layout.theta, this.capacity * d);
    const bAll = this.f64(layout.b, this.capacity * d);
    const ainv = new Float64Array(n * d * d);
    const theta = new Float64Array(n * d);
    const b = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const s = slots[i]!;
      unpackMany(packedAll.subarray(s * t, (s + 1) * t), 1, d, ainv.subarray(i * d * d, (i + 1) * d * d));
      theta.set(thetaAll.subarray(s * d, (s + 1) * d), i * d);
      b.set(bAll.subarray(s * d, (s + 1) * d), i * d);
    }
    return { ainv, theta, b };
  }

  dispose(): void {
    this.secondCore?.dispose();
    this.secondCore = null;
  }
}
