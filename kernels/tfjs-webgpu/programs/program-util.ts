/**
 * What every program here shares. The WebGPUProgram type comes from tfjs-backend-webgpu's own
 * declarations (type-only: importing the package's code needs `navigator.gpu` first, see ../load.ts).
 */
export type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program.js';

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
