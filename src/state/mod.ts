export {
  type Decision,
  DecisionJournal,
  type DecisionJournalOptions,
  uuidv7Time,
} from './decision-journal.js';
export { FEATURE_RING_SIZE, type FeatureItem, FeatureRings } from './feature-ring.js';
export { FileStateStore, type FileStoreOptions, fileNameOf } from './file-store.js';
export { coldState, type PolicyState, posteriorOf, toDocument } from './policy-state.js';
export {
  PolicyStateRepository,
  type RepositoryOptions,
  type RewardOp,
  type RewardOutcome,
} from './policy-state-repository.js';
export { type DocKey, RevisionConflictError, type StateStore, type Versioned } from './state-store.js';
export { isValidUserId, USER_ID_PATTERN } from './user-id.js';
