import type * as TF from '@tensorflow/tfjs-core';

/** A slab kept as dense float32 tensors: A⁻¹ [S, d, d], θ and b [S, d] (tfjs-node, tfjs-webgpu). */
export interface DenseSlabTensors {
  readonly ainv: TF.Tensor;
  readonly theta: TF.Tensor;
  readonly b: TF.Tensor;
}

/**
 * Downloads the rows `slots` (already checked) as float64. A GPU download may come back padded past
 * the tensor's size: only the first n rows are kept.
 */
export async function readDenseRows(
  tf: typeof TF,
  slab: DenseSlabTensors,
  slots: Int32Array,
  d: number,
): Promise<{ ainv: Float64Array; theta: Float64Array; b: Float64Array }> {
  const n = slots.length;
  if (n === 0) return { ainv: new Float64Array(0), theta: new Float64Array(0), b: new Float64Array(0) };
  const parts = tf.tidy(() => {
    const idx = tf.tensor1d(slots, 'int32');
    return [tf.gather(slab.ainv, idx), tf.gather(slab.theta, idx), tf.gather(slab.b, idx)];
  });
  try {
    const [a, t, b] = await Promise.all(parts.map((p) => p.data<'float32'>()));
    return {
      ainv: Float64Array.from(a!.subarray(0, n * d * d)),
      theta: Float64Array.from(t!.subarray(0, n * d)),
      b: Float64Array.from(b!.subarray(0, n * d)),
    };
  } finally {
    tf.dispose(parts);
  }
}

/**
 * The rows of a write that stand when each slot keeps its last row, as sequential writes would (a
 * scatter sums or races duplicates): their slots, and `pick(src, w)` that gathers those width-w rows
 * as float32.
 */
export function lastRowPerSlot(slots: Int32Array): {
  slots: Int32Array;
  pick(src: Float64Array, w: number): Float32Array;
} {
  const last = new Map<number, number>();
  for (let i = 0; i < slots.length; i++) last.set(slots[i]!, i);
  const rows = [...last.values()];
  return {
    slots: Int32Array.from(rows, (i) => slots[i]!),
    pick(src, w) {
      if (rows.length === slots.length) return Float32Array.from(src);
      const out = new Float32Array(rows.length * w);
      rows.forEach((i, k) => {
        out.set(src.subarray(i * w, (i + 1) * w), k * w);
      });
      return out;
    },
  };
}
