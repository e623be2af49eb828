/**
 * The TF.js WebGPU backend with fused WGSL kernels, for the kernel registry to import dynamically.
 * `load()` rejects with a clear Error when no WebGPU adapter can be had.
 */
import type { BanditBackend } from '../backend.js';
import {
  type AdapterOptions,
  adapterOptionsFromEnv,
  findAdapter,
  installNavigatorGpu,
} from './gpu-adapter.js';
import { WebGPUBanditBackend } from './webgpu-bandit-backend.js';

export type { AdapterChoice, AdapterOptions } from './gpu-adapter.js';
export { WebGPUBanditBackend } from './webgpu-bandit-backend.js';

export interface LoadOptions extends AdapterOptions {}

/** Marks the tfjs backend this module started, with the adapter it runs on. */
const ADAPTER = Symbol.for('oo-bandit-scorer.webgpu-adapter');
interface FoundKind {
  kind: 'hardware' | 'software';
  description: string;
}

/**
 * Finds an adapter (WEBGPU_ADAPTER=auto|hardware|software unless `opts.adapter` says), registers
 * tfjs's 'webgpu' backend on it with this folder's kernels, and makes it active. tfjs keeps one
 * 'webgpu' backend per process: a second load() reuses the first one's device and adapter.
 */
export async function load(opts: LoadOptions = {}): Promise<BanditBackend> {
  const options = { ...adapterOptionsFromEnv(), ...stripUndefined(opts) };
  const tf = await import('@tensorflow/tfjs-core');
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  const running = engine.registry['webgpu'] as { device?: GPUDevice; [ADAPTER]?: FoundKind } | undefined;
  let description: string;
  let device: GPUDevice;
  if (running?.device) {
    const kind = running[ADAPTER];
    if (!kind)
      throw new Error("tfjs-webgpu: tfjs's 'webgpu' backend was started by someone else; cannot reuse it");
    if (options.adapter !== 'auto' && options.adapter !== kind.kind) {
      throw new Error(
        `tfjs-webgpu: this process already runs WebGPU on a ${kind.kind} adapter, not ${options.adapter}`,
      );
    }
    device = running.device;
    description = kind.description;
    await import('./register-all.js');
  } else {
    const found = await findAdapter(options);
    installNavigatorGpu(found.gpu);
    // Evaluated only now: the package looks for navigator.gpu when it is imported.
    const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
    await import('./register-all.js');
    const limits = found.adapter.limits;
    device = await found.adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      },
    });
    const backend = new webgpu.WebGPUBackend(device, found.adapter.info);
    // Replace the package's own registration, which asks for a default adapter with no options.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    description = `${found.kind}: ${found.description || 'unnamed adapter'}`;
    Object.assign(backend, { [ADAPTER]: { kind: found.kind, description } satisfies FoundKind });
    tf.registerBackend('webgpu', () => backend, 3);
  }
  if (!(await tf.setBackend('webgpu')))
    throw new Error("tfjs-webgpu: tfjs could not start its 'webgpu' backend");
  await tf.ready();
  return new WebGPUBanditBackend(tf, description, device.limits.maxStorageBufferBindingSize);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
