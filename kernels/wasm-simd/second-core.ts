import { Worker } from 'node:worker_threads';
import type { WasmMemory, WasmModule } from './instance.js';

/**
 * A worker thread that runs the scoring kernels on the same shared memory as the main thread, so a
 * large call uses the second core: the main thread scores the first rows, the worker the rest. Jobs
 * and completions go through a small shared control block (Atomics), not messages, so a hand-off
 * costs microseconds. Updates stay on the main thread (their order within a slot matters).
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const e = new WebAssembly.Instance(module, { env: { memory, abort() {} } }).exports;
const c = new Int32Array(control, 0, 8);
const a = new Float64Array(control, 64, 12);
Atomics.store(c, 3, 1);
let seen = 0;
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  const kind = c[1];
  if (kind === -1) break;
  let done = -1;
  if (kind === 0) done = e.scoreUCB(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
  else if (kind === 1) done = e.scoreGreedy(a[1], a[2], a[3], a[4], a[5], a[6], a[9]);
  else if (kind === 2) done = e.scoreUCB32(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
  else if (kind === 3) done = e.scoreGreedy32(a[1], a[2], a[3], a[4], a[5], a[6], a[9]);
  c[4] = done;
  Atomics.store(c, 2, seen);
  Atomics.notify(c, 2);
}
`;

export const Kind = { UCB: 0, Greedy: 1, UCB32: 2, Greedy32: 3 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Arguments of one half: [ainv, theta, x, slot, out, n, d, alpha, scratch, capacity] as the kernels take them. */
export type KernelArgs = readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

export class SecondCore {
  private readonly worker: Worker;
  private readonly c: Int32Array;
  private readonly a: Float64Array;
  private seq = 0;

  constructor(module: WasmModule, memory: WasmMemory) {
    const control = new SharedArrayBuffer(64 + 12 * 8);
    this.c = new Int32Array(control, 0, 8);
    this.a = new Float64Array(control, 64, 12);
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control } });
    // An idle worker must not keep the process alive; it is stopped by dispose().
    this.worker.unref();
    this.worker.on('error', () => Atomics.store(this.c, 3, 0));
  }

  /** Whether the worker has started (until then, callers run everything on the main thread). */
  get ready(): boolean {
    return Atomics.load(this.c, 3) === 1;
  }

  /** Hands the worker its half; `join` waits for it. */
  start(kind: Kind, args: KernelArgs): void {
    this.a.set(args);
    this.c[1] = kind;
    this.seq++;
    Atomics.store(this.c, 0, this.seq);
    Atomics.notify(this.c, 0);
  }

  /** Waits for the worker's half; returns what its kernel returned (its n, or its first bad row). */
  join(): number {
    for (;;) {
      const done = Atomics.load(this.c, 2);
      if (done === this.seq) return this.c[4]!;
      if (!this.ready) throw new Error('the second-core worker stopped');
      Atomics.wait(this.c, 2, done, 1000);
    }
  }

  dispose(): void {
    this.c[1] = -1;
    Atomics.store(this.c, 0, ++this.seq);
    Atomics.notify(this.c, 0);
    void this.worker.terminate();
  }
}
