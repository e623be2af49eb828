import type { BanditBackend } from './backend.js';

export const BACKEND_NAMES = [
  'js-f64',
  'wasm-simd',
  'wasm-simd-f32',
  'tfjs-cpu',
  'tfjs-wasm',
  'tfjs-webgpu',
  'tfjs-node',
  'tfjs-node-gpu',
] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = BackendName | 'auto';

export function isBackendChoice(s: string): s is BackendChoice {
  return s === 'auto' || (BACKEND_NAMES as readonly string[]).includes(s);
}

/**
 * `SCORER_BACKEND` is a preference list: `tfjs-node-gpu,tfjs-webgpu` tries the CUDA path, then WebGPU,
 * then (as always) the float64 `auto` chain. Returns null when an entry is not a backend name.
 */
export function parseBackendList(s: string): BackendChoice[] | null {
  const names = s
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.length === 0 || !names.every(isBackendChoice)) return null;
  return names as BackendChoice[];
}

export type BackendLoaders = Readonly<Record<BackendName, () => Promise<BanditBackend>>>;

export const LOADERS: BackendLoaders = {
  'js-f64': async () => (await import('./js-f64/mod.js')).load(),
  'wasm-simd': async () => (await import('./wasm-simd/mod.js')).load(),
  'wasm-simd-f32': async () => (await import('./wasm-simd/mod.js')).loadFloat32(),
  'tfjs-cpu': async () => (await import('./tfjs-cpu/mod.js')).load(),
  'tfjs-wasm': async () => (await import('./tfjs-wasm/mod.js')).load(),
  'tfjs-webgpu': async () => (await import('./tfjs-webgpu/mod.js')).load(),
  // kernels/tfjs-node loads @tensorflow/tfjs-node-gpu and/or @tensorflow/tfjs-node, as asked.
  'tfjs-node': async () => (await import('./tfjs-node/mod.js')).load({ packages: ['@tensorflow/tfjs-node'] }),
  'tfjs-node-gpu': async () =>
    (await import('./tfjs-node/mod.js')).load({ packages: ['@tensorflow/tfjs-node-gpu'] }),
};

/**
 * What `auto` tries, first that loads wins. The online path is float64 (CONTRACT §3), so only the
 * float64 backends take part, fastest first as measured by `npm run bench:kernels`; the float32 ones
 * (TF.js, GPU) are there to be named explicitly, e.g. for batch jobs on a GPU node.
 */
export const AUTO_ORDER: readonly BackendName[] = ['wasm-simd', 'js-f64'];

export interface LoadAttempt {
  readonly name: BackendName;
  readonly error: string;
}

export interface LoadedBackend {
  readonly backend: BanditBackend;
  /** Backends that were tried first and failed to load, with why. */
  readonly failed: readonly LoadAttempt[];
}

export async function loadBackendByName(name: BackendName): Promise<BanditBackend> {
  return LOADERS[name]();
}

/**
 * Loads the named backend; when it cannot load (a missing native library, no GPU, a folder not
 * shipped) or `auto` is asked, the AUTO_ORDER chain is tried. js-f64 always loads.
 */
export async function loadBackend(
  choice: BackendChoice | readonly BackendChoice[],
  /** How each backend loads; tests replace one with a loader that fails, as a missing native library does. */
  loaders: BackendLoaders = LOADERS,
): Promise<LoadedBackend> {
  const failed: LoadAttempt[] = [];
  const wanted = (Array.isArray(choice) ? choice : [choice]).flatMap((c) =>
    c === 'auto' ? AUTO_ORDER : [c],
  );
  const order = [...new Set([...wanted, ...AUTO_ORDER])];
  for (const name of order) {
    try {
      return { backend: await loaders[name](), failed };
    } catch (err) {
      failed.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(
    `no scoring backend could be loaded: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`,
  );
}
