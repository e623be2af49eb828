import { checkD, dispatchFor, type WebGPUProgram, WORKGROUP_SIZE } from './program-util.js';

/**
 * Sherman–Morrison on the resident A⁻¹ slab, in place (the slab is this program's output buffer):
 * one invocation per distinct slot applies that user's rewards in batch order,
 * A⁻¹ ← A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x), holding the d×d matrix in private memory meanwhile.
 * uᵢuⱼ and uⱼuᵢ round identically, so a symmetric A⁻¹ stays exactly symmetric.
 */
export class BanditUpdateAinvProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames = ['x', 'rowOrder', 'groupStart', 'groupSlot'];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize = WORKGROUP_SIZE;
  uniforms = 'groups : i32,';
  private readonly d: number;

  constructor(slabShape: number[], groups: number, d: number) {
    this.d = checkD(d);
    this.outputShape = slabShape;
    // Threads follow the groups, not the output: the flat layout only decides how `index` is formed.
    this.dispatchLayout = { x: slabShape.map((_, i) => i) };
    this.dispatch = dispatchFor(groups);
    this.shaderKey = `banditUpdateAinv_${d}`;
  }

  getUserCode(): string {
    const d = this.d;
    const dd = d * d;
    return `
      fn main(index : i32) {
        if (index >= uniforms.groups) { return; }
        let ao = groupSlot[index] * ${dd};
        var a : array<f32, ${dd}>;
        for (var k = 0; k < ${dd}; k++) { a[k] = result[ao + k]; }
        var xv : array<f32, ${d}>;
        var u : array<f32, ${d}>;
        for (var m = groupStart[index]; m < groupStart[index + 1]; m++) {
          let xo = rowOrder[m] * ${d};
          for (var i = 0; i < ${d}; i++) { xv[i] = x[xo + i]; }
          var q = 0.0;
          for (var i = 0; i < ${d}; i++) {
            var r = 0.0;
            for (var j = 0; j < ${d}; j++) { r = r + a[i * ${d} + j] * xv[j]; }
            u[i] = r;
            q = q + xv[i] * r;
          }
          let inv = 1.0 / (1.0 + q);
          for (var i = 0; i < ${d}; i++) {
            for (var j = 0; j < ${d}; j++) {
              a[i * ${d} + j] = a[i * ${d} + j] - u[i] * u[j] * inv;
            }
          }
        }
        for (var k = 0; k < ${dd}; k++) { result[ao + k] = a[k]; }
      }
    `;
  }
}
