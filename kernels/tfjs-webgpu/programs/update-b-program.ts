import { SlotGroupProgram } from './program-util.js';

/** b ← b + r·x on the resident b slab, in place, one invocation per distinct slot, in batch order. */
export class BanditUpdateBProgram extends SlotGroupProgram {
  variableNames = ['x', 'reward', 'rowOrder', 'groupStart', 'groupSlot'];

  constructor(slabShape: number[], groups: number, d: number) {
    super(slabShape, groups, d, 'banditUpdateB');
  }

  protected body(): string {
    const d = this.d;
    return `let bo = groupSlot[index] * ${d};
        var bv : array<f32, ${d}>;
        for (var i = 0; i < ${d}; i++) { bv[i] = result[bo + i]; }
        for (var m = groupStart[index]; m < groupStart[index + 1]; m++) {
          let row = rowOrder[m];
          let r = reward[row];
          for (var i = 0; i < ${d}; i++) { bv[i] = bv[i] + r * x[row * ${d} + i]; }
        }
        for (var i = 0; i < ${d}; i++) { result[bo + i] = bv[i]; }`;
  }
}
