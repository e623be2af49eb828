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
 * Folders another branch may or may not have delivered are imported through a computed specifier, so
 * that tsc does not resolve them and a missing one fails at run time, where `auto` falls back.
 */
async function importOptional(folder: string): Promise<{ load(opts?: object): Promise<BanditBackend> }> {
  const specifier = `./${folder}/mod.js`;
  return (await import(specifier)) as { load(opts?: object): Promise<BanditBackend> };
}

const LOADERS: Readonly<Record<BackendName, () => Promise<BanditBackend>>> = {
  'js-f64': async () => (await import('./js-f64/mod.js')).load(),
  'wasm-simd': async () => (await import('./wasm-simd/mod.js')).load(),
  'wasm-simd-f32': async () => (await import('./wasm-simd/mod.js')).loadFloat32(),
  'tfjs-cpu': async () => (await import('./tfjs-cpu/mod.js')).load(),
  'tfjs-wasm': async () => (await import('./tfjs-wasm/mod.js')).load(),
  'tfjs-webgpu': async () => (await importOptional('tfjs-webgpu')).load(),
  // kernels/tfjs-node loads @tensorflow/tfjs-node-gpu and/or @tensorflow/tfjs-node, as asked.
  'tfjs-node': async () => (await importOptional('tfjs-node')).load({ packages: ['@tensorflow/tfjs-node'] }),
  'tfjs-node-gpu': async () =>
    (await importOptional('tfjs-node')).load({ packages: ['@tensorflow/tfjs-node-gpu'] }),
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
export async function loadBackend(choice: BackendChoice): Promise<LoadedBackend> {
  const failed: LoadAttempt[] = [];
  const order = choice === 'auto' ? AUTO_ORDER : [choice, ...AUTO_ORDER.filter((n) => n !== choice)];
  for (const name of order) {
    try {
      return { backend: await LOADERS[name](), failed };
    } catch (err) {
      failed.push({ name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(
    `no scoring backend could be loaded: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`,
  );
}
