export {
  type PolicyOutcome,
  type RegretPoint,
  type SimulationOptions,
  type SimulationResult,
  simulate,
  type Transport,
} from './simulator.js';
export { makeRound, makeUsers, policyValue, type SimRound, type SimTask, type SimUser } from './world.js';
