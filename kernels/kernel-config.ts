/**
 * One kernel of one backend, in the manner of tfjs-core's KernelConfig: a backend folder holds one file
 * per kernel exporting such a config, and its `mod.ts` builds its kernel table from them (no global
 * registry; the TF.js backends register theirs with TF.js's own).
 */
export interface KernelConfig<Name extends string, Args, Result> {
  readonly kernelName: Name;
  readonly backendName: string;
  readonly kernelFunc: (args: Args) => Result;
}

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
