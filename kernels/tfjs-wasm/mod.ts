import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import './register-all.js';
import type { BanditBackend } from '../backend.js';
import { TfjsSlab } from '../tfjs-common/tfjs-slab.js';
import { wasmStorage } from './storage.js';

/** TF.js's wasm backend with the fused bandit kernels reading its heap; float32 tensors. */
export async function load(): Promise<BanditBackend> {
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend did not initialize');
  const be = tf.findBackend('wasm')!;
  return {
    name: 'tfjs-wasm',
    precision: 'float32',
    createSlab: (d, capacity) => new TfjsSlab(d, capacity, 'wasm', (t) => wasmStorage.f32(be, t)),
    dispose: async () => {},
  };
}
