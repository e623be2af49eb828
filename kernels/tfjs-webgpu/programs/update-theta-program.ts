import { SlotGroupProgram } from './program-util.js';

/** θ ← A⁻¹b for the slots a batch touched, in place on the θ slab, after A⁻¹ and b are updated. */
export class BanditUpdateThetaProgram extends SlotGroupProgram {
  variableNames = ['ainv', 'b', 'groupSlot'];

  constructor(slabShape: number[], groups: number, d: number) {
    super(slabShape, groups, d, 'banditUpdateTheta');
  }

  protected body(): string {
    const d = this.d;
    return `let s = groupSlot[index];
        let ao = s * ${d * d};
        let bo = s * ${d};
        var bv : array<f32, ${d}>;
        for (var j = 0; j < ${d}; j++) { bv[j] = b[bo + j]; }
        for (var i = 0; i < ${d}; i++) {
          var t = 0.0;
          for (var j = 0; j < ${d}; j++) { t = t + ainv[ao + i * ${d} + j] * bv[j]; }
          result[bo + i] = t;
        }`;
  }
}
