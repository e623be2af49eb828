import { checkD, dispatchFor, type WebGPUProgram, WORKGROUP_SIZE } from './program-util.js';
import { dot } from './wgsl-unroll.js';

/** One invocation per candidate row: out[n] = θ[slot[n]]ᵀx[n], d baked in and unrolled. */
export class BanditScoreGreedyProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames = ['theta', 'x', 'slot'];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize = WORKGROUP_SIZE;
  size = true;
  private readonly d: number;

  constructor(n: number, d: number) {
    this.d = checkD(d);
    this.outputShape = [n];
    this.dispatchLayout = { x: [0] };
    this.dispatch = dispatchFor(n);
    this.shaderKey = `banditScoreGreedy_${d}`;
  }

  getUserCode(): string {
    const d = this.d;
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let xo = index * ${d};
        let to = slot[index] * ${d};
        result[index] = ${dot(
          (i) => `theta[to + ${i}]`,
          (i) => `x[xo + ${i}]`,
          d,
        )};
      }
    `;
  }
}
