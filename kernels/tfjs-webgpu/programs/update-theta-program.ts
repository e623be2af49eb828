import { checkD, FlatProgram } from './program-util.js';

/** θ ← A⁻¹b for the slots a batch touched, in place on the θ slab, after A⁻¹ and b are updated. */
export class BanditUpdateThetaProgram extends FlatProgram {
  variableNames = ['ainv', 'b', 'groupSlot'];
  uniforms = 'groups : i32,';

  constructor(
    slabShape: number[],
    groups: number,
    private readonly d: number,
  ) {
    super(slabShape, groups, `banditUpdateTheta_${checkD(d)}`, 'groups');
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
