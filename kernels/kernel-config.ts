/**
 * One kernel of a host-memory backend (js-f64, wasm-simd), in the manner of tfjs-core's KernelConfig:
 * a backend folder holds one file per kernel exporting such a config, and its `mod.ts` builds its
 * kernel table from them (no global registry). The TF.js backends use tfjs-core's own KernelConfig and
 * register with TF.js's registry.
 */
export interface HostKernelConfig<Name extends string, Args, Result> {
  readonly kernelName: Name;
  readonly backendName: string;
  readonly kernelFunc: (args: Args) => Result;
}

/**
 * Where a packed-A⁻¹ slab keeps its numbers: float64 for js-f64, float32 for the TF.js backends whose
 * kernels run in JS. The arithmetic is in JS doubles either way; one implementation serves both.
 */
export type SlabStorage = Float64Array | Float32Array;

/** Checks the shapes every backend relies on, once, before any kernel touches memory. */
export function checkRows(what: string, x: ArrayLike<number>, slots: ArrayLike<number>, d: number): number {
  const n = slots.length;
  if (x.length !== n * d) throw new RangeError(`${what}: x has ${x.length} numbers, expected ${n}·${d}`);
  return n;
}

export function checkSlots(slots: ArrayLike<number>, capacity: number): void {
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    if (!(s >= 0 && s < capacity) || !Number.isInteger(s)) {
      throw new RangeError(`slot ${s} is outside the slab (capacity ${capacity})`);
    }
  }
}

/** Each [array, length, name] must have that length: a device kernel would read past a short one. */
export function checkLengths(arrays: ReadonlyArray<readonly [ArrayLike<number>, number, string]>): void {
  for (const [arr, len, name] of arrays) {
    if (arr.length !== len) throw new RangeError(`${name} has ${arr.length} numbers, expected ${len}`);
  }
}
