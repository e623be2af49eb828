import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './register-all.js';
import type { BanditBackend } from '../backend.js';
import { TfjsSlab } from '../tfjs-common/tfjs-slab.js';
import { cpuStorage } from './storage.js';

/** TF.js's cpu backend with the fused bandit kernels; float32 tensors. */
export async function load(): Promise<BanditBackend> {
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend did not initialize');
  const be = tf.findBackend('cpu')!;
  return {
    name: 'tfjs-cpu',
    precision: 'float32',
    createSlab: (d, capacity) => new TfjsSlab(d, capacity, 'cpu', (t) => cpuStorage.f32(be, t)),
    dispose: async () => {},
  };
}
