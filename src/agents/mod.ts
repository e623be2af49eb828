export type { Agent, AgentInput, Inferred } from './agent.js';
export { type AgentDescription, AgentRegistry, builtInAgents } from './agent-registry.js';
export { circularMeanHour, hourDistance } from './circular-mean.js';
export {
  isAllowedHour,
  isQuietMinute,
  minutesOf,
  nearestAllowedHour,
  type QuietWindow,
} from './quiet-hours.js';
export {
  type InferenceResult,
  type InferenceStatus,
  nullInferred,
  runInference,
} from './run-inference.js';
export { TimeOfDayOutput, TimeOfDayPrefs, timeOfDayAgent } from './time-of-day-agent.js';
export {
  FEEDBACK_KINDS,
  type FeedbackEvent,
  type FeedbackKind,
  isPositive,
  UserHistory,
} from './user-history.js';
