import { registerHostKernels } from '../tfjs-common/register-host-kernels.js';
import { wasmStorage } from './storage.js';

// Side effect, as tfjs backends register theirs: adds the bandit kernels to TF.js's 'wasm' backend.
registerHostKernels(wasmStorage);
