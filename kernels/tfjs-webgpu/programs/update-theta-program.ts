import { checkD, dispatchFor, type WebGPUProgram, WORKGROUP_SIZE } from './program-util.js';

/** θ ← A⁻¹b for the slots a batch touched, in place on the θ slab, after A⁻¹ and b are updated. */
export class BanditUpdateThetaProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames = ['ainv', 'b', 'groupSlot'];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize = WORKGROUP_SIZE;
  uniforms = 'groups : i32,';
  private readonly d: number;

  constructor(slabShape: number[], groups: number, d: number) {
    this.d = checkD(d);
    this.outputShape = slabShape;
    this.dispatchLayout = { x: slabShape.map((_, i) => i) };
    this.dispatch = dispatchFor(groups);
    this.shaderKey = `banditUpdateTheta_${d}`;
  }

  getUserCode(): string {
    const d = this.d;
    return `
      fn main(index : i32) {
        if (index >= uniforms.groups) { return; }
        let s = groupSlot[index];
        let ao = s * ${d * d};
        let bo = s * ${d};
        var bv : array<f32, ${d}>;
        for (var j = 0; j < ${d}; j++) { bv[j] = b[bo + j]; }
        for (var i = 0; i < ${d}; i++) {
          var t = 0.0;
          for (var j = 0; j < ${d}; j++) { t = t + ainv[ao + i * ${d} + j] * bv[j]; }
          result[bo + i] = t;
        }
      }
    `;
  }
}
