import { dispatchFor, type WebGPUProgram, WORKGROUP_SIZE } from './program-util.js';

/**
 * Writes n rows of `width` numbers into the slab rows named by `slot`, in place (the slab is the
 * output buffer): how posteriors loaded from disk become resident without re-uploading the slab.
 */
export class ScatterRowsProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames = ['rows', 'slot'];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize = WORKGROUP_SIZE;
  uniforms = 'count : i32,';
  private readonly width: number;

  constructor(slabShape: number[], n: number, width: number) {
    this.width = width;
    this.outputShape = slabShape;
    this.dispatchLayout = { x: slabShape.map((_, i) => i) };
    this.dispatch = dispatchFor(n * width);
    this.shaderKey = `scatterRows_${width}`;
  }

  getUserCode(): string {
    const w = this.width;
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let row = index / ${w};
        let col = index - row * ${w};
        result[slot[row] * ${w} + col] = rows[index];
      }
    `;
  }
}
