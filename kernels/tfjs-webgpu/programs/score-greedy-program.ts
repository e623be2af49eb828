import { checkD, FlatProgram } from './program-util.js';
import { dot } from './wgsl-unroll.js';

/** One invocation per candidate row: out[n] = θ[slot[n]]ᵀx[n], d baked in and unrolled. */
export class BanditScoreGreedyProgram extends FlatProgram {
  variableNames = ['theta', 'x', 'slot'];
  size = true;

  constructor(
    n: number,
    private readonly d: number,
  ) {
    super([n], n, `banditScoreGreedy_${checkD(d)}`, 'size');
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
