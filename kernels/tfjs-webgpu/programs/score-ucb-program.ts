import { checkD, dispatchFor, type WebGPUProgram, WORKGROUP_SIZE } from './program-util.js';

/**
 * One invocation per candidate row: out[n] = θ[s]ᵀx + α·√(xᵀA⁻¹[s]x), s = slot[n], fused so that the
 * row is read once and nothing [N, d, d]-sized is ever materialized. A⁻¹ is symmetric, so the
 * quadratic form reads the upper triangle only (d(d+1)/2 loads instead of d²).
 */
export class BanditScoreUCBProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames = ['ainv', 'theta', 'x', 'slot'];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize = WORKGROUP_SIZE;
  uniforms = 'alpha : f32,';
  size = true;
  private readonly d: number;

  constructor(n: number, d: number) {
    this.d = checkD(d);
    this.outputShape = [n];
    this.dispatchLayout = { x: [0] };
    this.dispatch = dispatchFor(n);
    this.shaderKey = `banditScoreUCB_${d}`;
  }

  getUserCode(): string {
    const d = this.d;
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let s = slot[index];
        let xo = index * ${d};
        let to = s * ${d};
        let ao = s * ${d * d};
        var xv : array<f32, ${d}>;
        var mean = 0.0;
        for (var i = 0; i < ${d}; i++) {
          xv[i] = x[xo + i];
          mean = mean + theta[to + i] * xv[i];
        }
        var quad = 0.0;
        for (var i = 0; i < ${d}; i++) {
          let ri = ao + i * ${d};
          var off = 0.0;
          for (var j = i + 1; j < ${d}; j++) {
            off = off + ainv[ri + j] * xv[j];
          }
          quad = quad + xv[i] * (ainv[ri + i] * xv[i] + 2.0 * off);
        }
        result[index] = mean + uniforms.alpha * sqrt(max(quad, 0.0));
      }
    `;
  }
}
