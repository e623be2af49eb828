/**
 * WGSL text generators for a baked d. Straight-line code over named scalars (x0…x11, a0_0…) instead of
 * loops over private arrays: private arrays indexed in loops live in memory on many drivers (and on
 * llvmpipe), scalars stay in registers. A⁻¹ is symmetric, so only its upper triangle is named.
 */

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** (i, j) with i ≤ j: the upper triangle, row by row. */
export function upper(d: number): Array<[number, number]> {
  return range(d).flatMap((i) => range(d - i).map((k): [number, number] => [i, i + k]));
}

/** `let x0 = x[o + 0]; …` */
export function loadVector(name: string, buffer: string, offset: string, d: number, mutable = false): string {
  return range(d)
    .map((i) => `${mutable ? 'var' : 'let'} ${name}${i} = ${buffer}[${offset} + ${i}];`)
    .join('\n');
}

/** `a0 * b0 + a1 * b1 + …` */
export function dot(a: (i: number) => string, b: (i: number) => string, d: number): string {
  return range(d)
    .map((i) => `${a(i)} * ${b(i)}`)
    .join(' + ');
}

/** Name of the upper-triangle scalar holding A⁻¹ᵢⱼ (either order). */
export const aij = (i: number, j: number): string => (i <= j ? `a${i}_${j}` : `a${j}_${i}`);
