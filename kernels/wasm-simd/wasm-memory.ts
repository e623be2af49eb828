import type { BanditExports, WasmMemory } from './instance.js';

/** Where one slab's arrays live in its instance's memory (byte offsets). */
export interface SlabLayout {
  readonly d: number;
  /** Slots the slab holds: the scoring kernels stop at a row whose slot is not below it. */
  readonly capacity: number;
  /** Bytes per stored number: 8 (float64) or 4 (float32). */
  readonly elem: 4 | 8;
  readonly ainv: number;
  readonly theta: number;
  readonly b: number;
  /** 16 × 32 bytes: lane-interleaved rows for scoring, u for updates. */
  readonly scratch: number;
  /** The same for the worker thread. */
  readonly workerScratch: number;
  /** Start of the per-call region (x, slot, reward, out). */
  readonly io: number;
}

/** One call's inputs and output in the per-call region. */
export interface IoLayout {
  readonly x: number;
  readonly slot: number;
  readonly reward: number;
  readonly out: number;
}

export interface WasmKernelArgs {
  readonly wasm: BanditExports;
  readonly layout: SlabLayout;
  readonly io: IoLayout;
  readonly n: number;
}

const PAGE = 65_536;
const align = (n: number, to = 16) => Math.ceil(n / to) * to;

export function slabLayout(heapBase: number, d: number, capacity: number, elem: 4 | 8): SlabLayout {
  const t = (d * (d + 1)) / 2;
  const ainv = align(heapBase);
  const theta = align(ainv + capacity * t * elem);
  const b = align(theta + capacity * d * elem);
  const scratch = align(b + capacity * d * elem);
  const workerScratch = align(scratch + 16 * 32);
  const io = align(workerScratch + 16 * 32);
  return { d, capacity, elem, ainv, theta, b, scratch, workerScratch, io };
}

export function ioLayout(layout: SlabLayout, n: number): { io: IoLayout; end: number } {
  const x = layout.io;
  const e = layout.elem;
  const slot = align(x + n * layout.d * e);
  const reward = align(slot + n * 4);
  const out = align(reward + n * e);
  return { io: { x, slot, reward, out }, end: out + n * e };
}

/** Grows the memory to hold `bytes`; views over the old buffer are stale afterwards. */
export function ensureBytes(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
}
