export { type DecisionLogSink, FileDecisionLog, fanOut } from './decision-log.js';
export {
  type DecisionRecord,
  dayFileName,
  type LogRecord,
  parseLogLine,
  type RewardRecord,
  type ShadowEntry,
} from './decision-records.js';
export { type Estimate, EstimatorAccumulator, type PolicyTerm, Z95 } from './estimators.js';
export { evaluateLog, type LogEvaluation } from './evaluate-log.js';
export {
  type EvaluationResult,
  type EvaluationWindow,
  OffPolicyEvaluator,
  type PolicyEstimate,
  type SeriesPoint,
  type ShadowParts,
  shadowParts,
  shadowTerm,
} from './evaluator.js';
export { logFiles, type ReadStats, readDecisionLog } from './log-reader.js';
