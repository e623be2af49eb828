/**
 * What every program here shares. The WebGPUProgram type comes from tfjs-backend-webgpu's own
 * declarations (type-only: importing the package's code needs `navigator.gpu` first, which `load()`
 * in ../mod.ts installs through ../gpu-adapter.ts).
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program.js';

export type { WebGPUProgram };

/** 64 threads: a multiple of every vendor's SIMD width (32 NVIDIA, 64 AMD) and llvmpipe's 8/16 lanes. */
export const WORKGROUP_SIZE: [number, number, number] = [64, 1, 1];

/** Workgroups for `threads` invocations along x; the backend reshapes dispatches past 65,535. */
export function dispatchFor(threads: number): [number, number, number] {
  return [Math.max(1, Math.ceil(threads / WORKGROUP_SIZE[0])), 1, 1];
}

/** d is baked into the WGSL (loops of a constant trip count unroll); check it before it becomes code. */
export function checkD(d: number): number {
  if (!Number.isInteger(d) || d < 1 || d > 32)
    throw new RangeError(`d must be an integer in 1..32, not ${d}`);
  return d;
}

/**
 * A program of `threads` invocations along x over a flat layout of its output. Workgroups round the
 * dispatch up, so main() returns at once for an index at or past `uniforms.<bound>`: `size` (the
 * output's length, which the backend supplies when `size` is set) or a uniform the caller passes.
 * Threads need not follow the output: the in-place slab programs run one per slot or per group and
 * use the layout only for how `index` is formed.
 */
export abstract class FlatProgram implements WebGPUProgram {
  abstract variableNames: string[];
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize = WORKGROUP_SIZE;

  constructor(
    readonly outputShape: number[],
    threads: number,
    readonly shaderKey: string,
    private readonly bound: string,
  ) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = dispatchFor(threads);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.${this.bound}) { return; }
        ${this.body()}
      }
    `;
  }

  /** main()'s statements for one `index` that is in bounds. */
  protected abstract body(): string;
}

/** One invocation per candidate row of an [n] output (the scoring programs); d is baked in. */
export abstract class CandidateRowProgram extends FlatProgram {
  size = true;

  constructor(
    n: number,
    protected readonly d: number,
    kernel: string,
  ) {
    super([n], n, `${kernel}_${checkD(d)}`, 'size');
  }
}

/**
 * One invocation per distinct slot of an update batch (the caller passes their count as `groups`),
 * writing the slab in place: the slab is the output buffer. d is baked in.
 */
export abstract class SlotGroupProgram extends FlatProgram {
  uniforms = 'groups : i32,';

  constructor(
    slabShape: number[],
    groups: number,
    protected readonly d: number,
    kernel: string,
  ) {
    super(slabShape, groups, `${kernel}_${checkD(d)}`, 'groups');
  }
}
