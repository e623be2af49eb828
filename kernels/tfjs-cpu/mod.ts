import '@tensorflow/tfjs-backend-cpu';
import './register-all.js';
import type { BanditBackend } from '../backend.js';
import { loadHostBackend } from '../tfjs-common/host-backend.js';
import { cpuStorage } from './storage.js';

/** TF.js's cpu backend with the fused bandit kernels; float32 tensors. */
export function load(): Promise<BanditBackend> {
  return loadHostBackend(cpuStorage);
}
