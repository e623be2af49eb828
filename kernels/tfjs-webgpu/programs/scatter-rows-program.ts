import { FlatProgram } from './program-util.js';

/**
 * Writes n rows of `width` numbers into the slab rows named by `slot`, in place (the slab is the
 * output buffer): how posteriors loaded from disk become resident without re-uploading the slab.
 */
export class ScatterRowsProgram extends FlatProgram {
  variableNames = ['rows', 'slot'];
  uniforms = 'count : i32,';

  constructor(
    slabShape: number[],
    n: number,
    private readonly width: number,
  ) {
    super(slabShape, n * width, `scatterRows_${width}`, 'count');
  }

  protected body(): string {
    const w = this.width;
    return `let row = index / ${w};
        let col = index - row * ${w};
        result[slot[row] * ${w} + col] = rows[index];`;
  }
}
