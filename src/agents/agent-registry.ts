import type { Agent } from './agent.js';
import { timeOfDayAgent } from './time-of-day-agent.js';

export interface AgentDescription {
  readonly agent_id: string;
  readonly agent_version: string;
  readonly inferred_params: string[];
  readonly min_history: number;
}

/** Agents by id. Built by the composition root (tests add their own agents); no global instance. */
export class AgentRegistry {
  readonly #agents = new Map<string, Agent>();

  constructor(agents: readonly Agent[]) {
    for (const agent of agents) {
      if (this.#agents.has(agent.id)) throw new Error(`agent "${agent.id}" is registered twice`);
      this.#agents.set(agent.id, agent);
    }
  }

  get(id: string): Agent | undefined {
    return this.#agents.get(id);
  }

  describe(): AgentDescription[] {
    return [...this.#agents.values()].map((a) => ({
      agent_id: a.id,
      agent_version: a.version,
      inferred_params: [...a.inferredParams],
      min_history: a.minHistory,
    }));
  }
}

/** The agents the service ships. */
export function builtInAgents(): Agent[] {
  return [timeOfDayAgent];
}
