import type { Logger } from 'pino';
import type { Agent, Inferred } from './agent.js';
import type { UserHistory } from './user-history.js';

export type InferenceStatus = 'ok' | 'cold_start' | 'fallback';

export interface InferenceRequest<P> {
  readonly userId: string;
  readonly history: UserHistory;
  /** Already validated by the agent's `prefsSchema`. */
  readonly prefs: P;
  readonly timezone: string;
  readonly now: number;
}

export interface InferenceResult {
  readonly agent_id: string;
  readonly agent_version: string;
  readonly status: InferenceStatus;
  readonly inferred: Inferred;
  /** Events in the history up to `now`. */
  readonly n_events: number;
  /** Of those, the events the agent counts (for `time_of_day`: the positive ones) against `min_history`. */
  readonly n_used: number;
}

/** Every inferred parameter at null: what cold start and fallback answer. */
export function nullInferred(agent: Pick<Agent, 'inferredParams'>): Inferred {
  return Object.fromEntries(agent.inferredParams.map((p) => [p, null]));
}

/**
 * The shared framework around an agent: too little history is a cold start, a failure (a throw, an
 * answer outside the agent's output schema) is a fallback with an error line, never an exception to
 * the caller. One structured line per inference either way.
 */
export async function runInference<P>(
  agent: Agent<P>,
  req: InferenceRequest<P>,
  log: Logger,
): Promise<InferenceResult> {
  const started = performance.now();
  const base = { agent_id: agent.id, agent_version: agent.version };
  const nEvents = req.history.events.length;
  let result: InferenceResult;
  let counted = 0;
  try {
    const events = agent.countedEvents(req.history);
    counted = events.length;
    if (counted < agent.minHistory) {
      result = {
        ...base,
        status: 'cold_start',
        inferred: nullInferred(agent),
        n_events: nEvents,
        n_used: counted,
      };
    } else {
      const raw = await agent.infer({ ...req, events });
      const checked = agent.outputSchema.safeParse(raw);
      if (!checked.success) {
        throw new TypeError(`agent answered outside its output schema: ${checked.error.message}`);
      }
      result = { ...base, status: 'ok', inferred: checked.data, n_events: nEvents, n_used: counted };
    }
  } catch (err) {
    log.error(
      { err, ...base, user_id: req.userId, n_events: nEvents, n_used: counted },
      'agent inference failed; answering the fallback',
    );
    result = {
      ...base,
      status: 'fallback',
      inferred: nullInferred(agent),
      n_events: nEvents,
      n_used: counted,
    };
  }
  log.info(
    {
      agent_id: result.agent_id,
      agent_version: result.agent_version,
      user_id: req.userId,
      status: result.status,
      n_events: result.n_events,
      n_used: result.n_used,
      min_history: agent.minHistory,
      inferred: result.inferred,
      latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
    },
    'agent inference',
  );
  return result;
}
