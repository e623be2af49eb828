import { BANDIT_WASM_BASE64 } from './bandit-wasm.generated.js';

/** The slice of the WebAssembly JS API used here (the project's lib has no DOM/WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = { readonly __brand: 'WebAssembly.Module' };
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of assembly/bandit.ts. Pointers are byte offsets into `memory`. */
export interface BanditExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  scoreUCB(
    ainv: number,
    theta: number,
    x: number,
    slot: number,
    out: number,
    n: number,
    d: number,
    alpha: number,
    xs: number,
  ): void;
  scoreGreedy(theta: number, x: number, slot: number, out: number, n: number, d: number): void;
  scoreUCB32(
    ainv: number,
    theta: number,
    x: number,
    slot: number,
    out: number,
    n: number,
    d: number,
    alpha: number,
  ): void;
  scoreGreedy32(theta: number, x: number, slot: number, out: number, n: number, d: number): void;
  update32(
    ainv: number,
    b: number,
    theta: number,
    x: number,
    reward: number,
    slot: number,
    m: number,
    d: number,
    u: number,
  ): void;
  update(
    ainv: number,
    b: number,
    theta: number,
    x: number,
    reward: number,
    slot: number,
    m: number,
    d: number,
    u: number,
  ): void;
}

export async function compileBanditModule(): Promise<WasmModule> {
  return WebAssemblyApi.compile(new Uint8Array(Buffer.from(BANDIT_WASM_BASE64, 'base64')));
}

/** One instance (one linear memory) per slab: slabs grow and go independently. */
export function instantiate(module: WasmModule): BanditExports {
  const instance = new WebAssemblyApi.Instance(module, { env: { abort: () => {} } });
  return instance.exports as unknown as BanditExports;
}
