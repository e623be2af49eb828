import { SlotGroupProgram } from './program-util.js';
import { aij, range, upper } from './wgsl-unroll.js';

/**
 * Sherman–Morrison on the resident A⁻¹ slab, in place (the slab is this program's output buffer):
 * one invocation per distinct slot applies that user's rewards in batch order,
 * A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x). The upper triangle is held in d(d+1)/2 scalars meanwhile
 * (d baked in, unrolled) and written back to both triangles, so A⁻¹ stays exactly symmetric.
 */
export class BanditUpdateAinvProgram extends SlotGroupProgram {
  variableNames = ['x', 'rowOrder', 'groupStart', 'groupSlot'];

  constructor(slabShape: number[], groups: number, d: number) {
    super(slabShape, groups, d, 'banditUpdateAinv');
  }

  protected body(): string {
    const d = this.d;
    const tri = upper(d);
    const load = tri.map(([i, j]) => `var ${aij(i, j)} = result[ao + ${i * d + j}];`);
    const xs = range(d).map((i) => `let x${i} = x[xo + ${i}];`);
    const us = range(d).map(
      (i) =>
        `let u${i} = ${range(d)
          .map((j) => `${aij(i, j)} * x${j}`)
          .join(' + ')};`,
    );
    const q = range(d)
      .map((i) => `x${i} * u${i}`)
      .join(' + ');
    const step = tri.map(([i, j]) => `${aij(i, j)} = ${aij(i, j)} - u${i} * u${j} * inv;`);
    const store = range(d).flatMap((i) => range(d).map((j) => `result[ao + ${i * d + j}] = ${aij(i, j)};`));
    return `let ao = groupSlot[index] * ${d * d};
        ${load.join('\n        ')}
        for (var m = groupStart[index]; m < groupStart[index + 1]; m++) {
          let xo = rowOrder[m] * ${d};
          ${xs.join('\n          ')}
          ${us.join('\n          ')}
          let inv = 1.0 / (1.0 + ${q});
          ${step.join('\n          ')}
        }
        ${store.join('\n        ')}`;
  }
}
