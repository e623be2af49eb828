import { checkD, dispatchFor, type WebGPUProgram, WORKGROUP_SIZE } from './program-util.js';

/** b ← b + r·x on the resident b slab, in place, one invocation per distinct slot, in batch order. */
export class BanditUpdateBProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames = ['x', 'reward', 'rowOrder', 'groupStart', 'groupSlot'];
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
    this.shaderKey = `banditUpdateB_${d}`;
  }

  getUserCode(): string {
    const d = this.d;
    return `
      fn main(index : i32) {
        if (index >= uniforms.groups) { return; }
        let bo = groupSlot[index] * ${d};
        var bv : array<f32, ${d}>;
        for (var i = 0; i < ${d}; i++) { bv[i] = result[bo + i]; }
        for (var m = groupStart[index]; m < groupStart[index + 1]; m++) {
          let row = rowOrder[m];
          let r = reward[row];
          for (var i = 0; i < ${d}; i++) { bv[i] = bv[i] + r * x[row * ${d} + i]; }
        }
        for (var i = 0; i < ${d}; i++) { result[bo + i] = bv[i]; }
      }
    `;
  }
}
