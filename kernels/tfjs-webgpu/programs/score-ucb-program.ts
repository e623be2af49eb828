import { CandidateRowProgram } from './program-util.js';
import { dot, loadVector, range } from './wgsl-unroll.js';

/**
 * One invocation per candidate row: out[n] = θ[s]ᵀx + α·√(xᵀA⁻¹[s]x), s = slot[n], fused so that the
 * row is read once and nothing [N, d, d]-sized is ever materialized. d is baked in and the code is
 * unrolled; A⁻¹ is symmetric, so the quadratic form reads the upper triangle only (d(d+1)/2 loads).
 */
export class BanditScoreUCBProgram extends CandidateRowProgram {
  variableNames = ['ainv', 'theta', 'x', 'slot'];
  uniforms = 'alpha : f32,';

  constructor(n: number, d: number) {
    super(n, d, 'banditScoreUCB');
  }

  protected body(): string {
    const d = this.d;
    // Row i of the quadratic form: xᵢ·(A⁻¹ᵢᵢxᵢ + 2·Σⱼ₍ⱼ>ᵢ₎ A⁻¹ᵢⱼxⱼ).
    const rows = range(d).map((i) => {
      const off = range(d - i - 1).map((k) => `ainv[ao + ${i * d + i + k + 1}] * x${i + k + 1}`);
      const inner = off.length ? ` + 2.0 * (${off.join(' + ')})` : '';
      return `quad = quad + x${i} * (ainv[ao + ${i * d + i}] * x${i}${inner});`;
    });
    return `let s = slot[index];
        let xo = index * ${d};
        let to = s * ${d};
        let ao = s * ${d * d};
        ${loadVector('x', 'x', 'xo', d)}
        let mean = ${dot(
          (i) => `theta[to + ${i}]`,
          (i) => `x${i}`,
          d,
        )};
        var quad = 0.0;
        ${rows.join('\n        ')}
        result[index] = mean + uniforms.alpha * sqrt(max(quad, 0.0));`;
  }
}
