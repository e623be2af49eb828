import '@tensorflow/tfjs-backend-wasm';
import './register-all.js';
import type { BanditBackend } from '../backend.js';
import { loadHostBackend } from '../tfjs-common/host-backend.js';
import { wasmStorage } from './storage.js';

/** TF.js's wasm backend with the fused bandit kernels reading its heap; float32 tensors. */
export function load(): Promise<BanditBackend> {
  return loadHostBackend(wasmStorage);
}
