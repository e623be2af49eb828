export {
  type Decision,
  DecisionJournal,
  type DecisionJournalOptions,
  uuidv7Time,
} from './decision-journal.js';
export type { DecisionStore } from './decision-store.js';
export { FEATURE_RING_SIZE, type FeatureItem, FeatureRings } from './feature-ring.js';
export { docKeyOfFileName, FileStateStore, type FileStoreOptions, fileNameOf } from './file-store.js';
export { decodeKeyToken, docKeyOf, encodeKeyToken, kvKeyOf } from './kv-key.js';
export { coldState, type PolicyState, posteriorOf, toDocument } from './policy-state.js';
export {
  PolicyStateRepository,
  type RepositoryOptions,
  type RewardOp,
  type RewardOutcome,
} from './policy-state-repository.js';
export type { RawDocuments } from './raw-documents.js';
export { type DocKey, RevisionConflictError, type StateStore, type Versioned } from './state-store.js';
export { isValidUserId, USER_ID_PATTERN } from './user-id.js';
// The NATS KV store itself (nats-kv-backend.ts) is imported dynamically by app.ts, never from here,
// so that the file backend loads no NATS code.
