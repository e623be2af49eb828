import type { z } from 'zod';
import type { FeedbackEvent, UserHistory } from './user-history.js';

export interface AgentInput<P> {
  readonly userId: string;
  readonly history: UserHistory;
  /** The events the agent counts (its `countedEvents`), already at least `minHistory` of them. */
  readonly events: readonly FeedbackEvent[];
  readonly prefs: P;
  /** IANA zone of the user, for local hours. */
  readonly timezone: string;
  readonly now: number;
}

export type Inferred = Record<string, unknown>;

/**
 * A context-inference agent: a pure function of a user's history and preferences. The framework
 * (`runInference`) owns gating, cold start, failure fallback and logging; an agent owns only its math.
 */
export interface Agent<P = unknown> {
  readonly id: string;
  /** Semantic version; a change of what the agent infers or how is a new version. */
  readonly version: string;
  /** The keys of `inferred`; all null at cold start and on fallback. */
  readonly inferredParams: readonly string[];
  /** Fewer counted events than this: cold start. */
  readonly minHistory: number;
  /** Validates the agent's part of `agent_prefs`; other keys are left alone (prefs are shared). */
  readonly prefsSchema: z.ZodType<P>;
  /** What `infer` must return; anything else is treated as a failure of the agent. */
  readonly outputSchema: z.ZodType<Inferred>;
  /** The events that count toward `minHistory` and that `infer` receives. */
  countedEvents(history: UserHistory): readonly FeedbackEvent[];
  infer(input: AgentInput<P>): Inferred | Promise<Inferred>;
}
