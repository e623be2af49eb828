export {
  type CandidateFields,
  type ContextFeatures,
  contextFeatures,
  FEATURE_NAMES,
  FEATURE_WIDTH,
  featureMatrix,
  type ScoringContext,
  writeFeatureRow,
} from './feature-row.js';
export { isKnownTimezone, type LocalTime, localTime, UnknownTimezoneError } from './local-time.js';
