/** The number type a backend keeps its slabs in. */
export type Precision = 'float32' | 'float64';

/** Candidate rows as a caller hands them over: float64, or float32 when built in a float32 staging buffer. */
export type Rows = Float64Array | Float32Array;

/**
 * What the service asks of a batched backend. A slab holds, for one policy (one d), the posteriors of
 * up to `capacity` resident users in the backend's own memory (GPU buffers, a WASM heap, typed
 * arrays): scoring sends only candidate rows and slot indices; updates scatter into the slab instead
 * of re-uploading it.
 */
export interface BanditBackend {
  /** e.g. 'js-f64', 'wasm-simd', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-webgpu', 'tfjs-node', 'tfjs-node-gpu'. */
  readonly name: string;
  readonly precision: Precision;
  createSlab(d: number, capacity: number): Slab;
  dispose(): Promise<void>;
}

export interface Slab {
  readonly d: number;
  readonly capacity: number;
  /** Overwrites the posteriors of `slots` (n slots; ainv n·d·d, theta n·d, b n·d, all float64). */
  write(slots: Int32Array, ainv: Float64Array, theta: Float64Array, b: Float64Array): void | Promise<void>;
  /** N rows x (N·d) with their slots → N scores (LinUCB upper confidence bounds). */
  scoreUCB(x: Rows, slots: Int32Array, alpha: number): Promise<Float64Array>;
  /** N rows → N greedy scores θᵀx. */
  scoreGreedy(x: Rows, slots: Int32Array): Promise<Float64Array>;
  /** M rewards applied in order (BanditUpdate). */
  update(x: Float64Array, reward: Float64Array, slots: Int32Array): Promise<void>;
  /**
   * Optional: views of the backend's own memory where a caller may build the next call's n rows and
   * slots in place, saving a copy (pass them back as `x` and `slots`). Valid until the next call.
   */
  stagingBuffers?(n: number): { x: Rows; slots: Int32Array };
  /** Reads slots back (for parity tests and for persisting batch-job results). */
  read(slots: Int32Array): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }>;
  dispose(): void;
}
