import * as tf from '@tensorflow/tfjs-core';
import type { BanditBackend } from '../backend.js';
import type { HostTensorStorage } from './host-storage.js';
import { TfjsSlab } from './tfjs-slab.js';

/**
 * Makes TF.js's `storage.backendName` backend current (the caller imports its package and registers
 * the bandit kernels first) and serves float32 slabs on it, named `tfjs-<backend>`.
 */
export async function loadHostBackend(storage: HostTensorStorage): Promise<BanditBackend> {
  const name = storage.backendName;
  if (!(await tf.setBackend(name))) throw new Error(`TF.js ${name} backend did not initialize`);
  const be = tf.findBackend(name)!;
  return {
    name: `tfjs-${name}`,
    precision: 'float32',
    createSlab: (d, capacity) => new TfjsSlab(d, capacity, name, (t) => storage.f32(be, t)),
    dispose: async () => {},
  };
}
