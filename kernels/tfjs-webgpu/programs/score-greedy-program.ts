import { CandidateRowProgram } from './program-util.js';
import { dot } from './wgsl-unroll.js';

/** One invocation per candidate row: out[n] = θ[slot[n]]ᵀx[n], d baked in and unrolled. */
export class BanditScoreGreedyProgram extends CandidateRowProgram {
  variableNames = ['theta', 'x', 'slot'];

  constructor(n: number, d: number) {
    super(n, d, 'banditScoreGreedy');
  }

  protected body(): string {
    const d = this.d;
    return `let xo = index * ${d};
        let to = slot[index] * ${d};
        result[index] = ${dot(
          (i) => `theta[to + ${i}]`,
          (i) => `x[xo + ${i}]`,
          d,
        )};`;
  }
}
