export {
  argmaxEarliest,
  type Choice,
  chooseEGreedy,
  chooseLinUCB,
  egreedyProbability,
  rankOrder,
} from './choose.js';
export { isPolicyName, POLICY_NAMES, type PolicyName } from './policy-names.js';
export {
  ALL_POLICIES,
  POLICIES,
  type PolicyKind,
  type PolicyParams,
  type PolicySpec,
} from './policy-spec.js';
export { createRandomSource, type RandomSource } from './random.js';
