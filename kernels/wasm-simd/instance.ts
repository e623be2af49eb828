import { BANDIT_WASM_BASE64 } from './bandit-wasm.generated.js';

/** The slice of the WebAssembly JS API used here (the project's lib has no DOM/WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export type WasmModule = { readonly __brand: 'WebAssembly.Module' };
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** θᵀx per row. Returns n, or the first row whose slot is outside [0, cap) (the scoring kernels all do). */
type ScoreGreedyExport = (
  theta: number,
  x: number,
  slot: number,
  out: number,
  n: number,
  d: number,
  cap: number,
) => number;

/** Sherman–Morrison for m rewards in order, in place; `u` is d f64 of scratch. */
type UpdateExport = (
  ainv: number,
  b: number,
  theta: number,
  x: number,
  reward: number,
  slot: number,
  m: number,
  d: number,
  u: number,
) => void;

/**
 * LinUCB per row; `xs` is scratch for the lane-interleaved rows of the float64 kernel (the float32 one
 * takes and ignores it). Returns n, or the first row whose slot is outside [0, cap).
 */
type ScoreUCBExport = (
  ainv: number,
  theta: number,
  x: number,
  slot: number,
  out: number,
  n: number,
  d: number,
  alpha: number,
  xs: number,
  cap: number,
) => number;

/**
 * The exports of assembly/bandit.ts. Pointers are byte offsets into `memory`. Each float32 kernel
 * (`…32`) takes the same arguments as its float64 twin.
 */
export interface BanditExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  /** Roofline probes (bench/kernels.ts): sum of `bytes` from p; `iters` rounds of 48 flops. */
  streamRead(p: number, bytes: number): number;
  peakMulAdd(iters: number, m: number, k: number): number;
  readonly scoreUCB: ScoreUCBExport;
  readonly scoreUCB32: ScoreUCBExport;
  readonly scoreGreedy: ScoreGreedyExport;
  readonly scoreGreedy32: ScoreGreedyExport;
  readonly update: UpdateExport;
  readonly update32: UpdateExport;
}

export async function compileBanditModule(): Promise<WasmModule> {
  return WebAssemblyApi.compile(new Uint8Array(Buffer.from(BANDIT_WASM_BASE64, 'base64')));
}

/** Pages the module declares as its memory's maximum (build-wasm.mjs, MAX_PAGES): 1 GiB. */
export const MAX_PAGES = 16384;

/**
 * One instance per slab, on a shared linear memory of its own: slabs grow and go independently, and a
 * worker thread can instantiate the same module on the same memory.
 */
export function instantiate(module: WasmModule): BanditExports {
  const memory = new WebAssemblyApi.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const instance = new WebAssemblyApi.Instance(module, { env: { memory, abort: () => {} } });
  return { ...(instance.exports as object), memory } as unknown as BanditExports;
}
