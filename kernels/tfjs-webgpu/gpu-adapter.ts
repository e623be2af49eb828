/**
 * Finds a WebGPU adapter for Node through Dawn (the `webgpu` npm package) and makes it the one
 * tfjs-backend-webgpu sees. Dawn on a GPU host prefers its default adapter (Vulkan on Linux); a
 * machine without a GPU can still run the same WGSL on Mesa's llvmpipe through Dawn's OpenGL ES
 * backend, which Dawn only exposes as a compatibility-mode adapter (and which needs
 * EGL_PLATFORM=surfaceless when there is no display).
 */

/** `WEBGPU_ADAPTER`: `auto` tries the hardware adapter, then the software one. */
export type AdapterChoice = 'auto' | 'hardware' | 'software';

export interface AdapterOptions {
  adapter?: AdapterChoice;
  /** Extra Dawn toggles for the hardware adapter, e.g. `['backend=vulkan']` (WEBGPU_DAWN_OPTIONS, comma-separated). */
  dawnOptions?: string[];
}

export interface FoundAdapter {
  adapter: GPUAdapter;
  /** Which path gave the adapter; shown in the backend's name for /health and bench output. */
  kind: 'hardware' | 'software';
  description: string;
  /** The `navigator.gpu` object the adapter came from. */
  gpu: GPU;
}

const SOFTWARE_DAWN_OPTIONS = ['backend=opengles', 'adapter=llvmpipe'];

export function adapterOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AdapterOptions {
  const raw = (env['WEBGPU_ADAPTER'] ?? 'auto').trim().toLowerCase();
  if (raw !== 'auto' && raw !== 'hardware' && raw !== 'software') {
    throw new Error(`WEBGPU_ADAPTER must be auto, hardware or software, not ${JSON.stringify(raw)}`);
  }
  const dawn = env['WEBGPU_DAWN_OPTIONS'];
  return {
    adapter: raw,
    dawnOptions: dawn
      ? dawn
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  };
}

function describe(adapter: GPUAdapter): string {
  const info = adapter.info;
  return [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((s) => typeof s === 'string' && s.length > 0)
    .join(' ')
    .trim();
}

export async function findAdapter(opts: AdapterOptions = {}): Promise<FoundAdapter> {
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (err) {
    throw new Error(`tfjs-webgpu: the 'webgpu' package (Dawn for Node) cannot be loaded: ${String(err)}`);
  }
  // Dawn's classes (GPUBuffer, GPUBufferUsage, GPUMapMode…) must be globals: tfjs-backend-webgpu uses
  // them by name (instanceof GPUBuffer, GPUBufferUsage.STORAGE).
  Object.assign(globalThis, dawn.globals);
  const choice = opts.adapter ?? 'auto';
  const tried: string[] = [];
  const attempt = async (
    kind: FoundAdapter['kind'],
    what: string,
    dawnOptions: string[],
    request: GPURequestAdapterOptions,
  ): Promise<FoundAdapter | null> => {
    try {
      const gpu = dawn.create(dawnOptions);
      const adapter = await gpu.requestAdapter(request);
      if (adapter) return { adapter, kind, description: describe(adapter), gpu };
      tried.push(`${what}: none`);
    } catch (err) {
      tried.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  };
  if (choice !== 'software') {
    const dawnOptions = opts.dawnOptions ?? [];
    const found = await attempt(
      'hardware',
      `hardware adapter (Dawn options ${JSON.stringify(dawnOptions)})`,
      dawnOptions,
      {
        powerPreference: 'high-performance',
      },
    );
    if (found) return found;
  }
  if (choice !== 'hardware') {
    if (!process.env['EGL_PLATFORM']) process.env['EGL_PLATFORM'] = 'surfaceless';
    // featureLevel is newer than the @webgpu/types the package ships; Dawn reads it.
    const found = await attempt(
      'software',
      'software adapter (OpenGL ES on llvmpipe, compatibility mode)',
      SOFTWARE_DAWN_OPTIONS,
      { featureLevel: 'compatibility' } as GPURequestAdapterOptions,
    );
    if (found) return found;
  }
  throw new Error(`tfjs-webgpu: no WebGPU adapter (WEBGPU_ADAPTER=${choice}); tried ${tried.join('; ')}`);
}

/**
 * Makes `navigator.gpu` exist for tfjs-backend-webgpu, which checks for it when it is imported.
 * Node 21+ has a `navigator` of its own (a getter on globalThis), Node 20 has none.
 */
export function installNavigatorGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  } else {
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu },
      configurable: true,
      writable: true,
    });
  }
}
