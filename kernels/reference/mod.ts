/** The float64 reference: the contract's math, against which every batched backend is checked. */
export { cholesky, choleskyInverse, choleskySolve } from './cholesky.js';
export { coldPosterior, type Posterior, posterior } from './posterior.js';
export { scoreGreedy, scoreLinUCB } from './score.js';
export { rankOneUpdate, ridgeIdentity } from './update.js';
