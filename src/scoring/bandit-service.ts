import { uuidv7 } from 'uuidv7';
import { scoreGreedy } from '../../kernels/reference/mod.js';
import type { Config } from '../config/env.js';
import type {
  RewardByValue,
  RewardRequest,
  RewardResponse,
  ScoreRequest,
  ScoreResponse,
  StatsResponse,
} from '../contract/mod.js';
import { EventNotFoundError, ValidationError } from '../errors/app-errors.js';
import type { DecisionLogSink } from '../evaluation/mod.js';
import {
  type CandidateFields,
  contextFeatures,
  FEATURE_WIDTH,
  featureMatrix,
  writeFeatureRow,
} from '../features/mod.js';
import {
  type Choice,
  chooseEGreedy,
  chooseLinUCB,
  POLICIES,
  type PolicyName,
  type PolicySpec,
  type RandomSource,
  rankOrder,
} from '../policies/mod.js';
import type { FeatureItem, FeatureRings } from '../state/feature-ring.js';
import { posteriorOf } from '../state/policy-state.js';
import type { PolicyStateRepository, RewardOutcome } from '../state/policy-state-repository.js';
import type { ScoredEvent } from '../state/scored-event-journal.js';
import type { ScoredEventStore } from '../state/scored-event-store.js';
import type { StateStore } from '../state/state-store.js';
import type { Scorer } from './scorer.js';

export interface BanditDeps {
  readonly config: Config;
  readonly states: PolicyStateRepository;
  readonly decisions: ScoredEventStore;
  readonly rings: FeatureRings;
  /** For the documents that are not policy state (the sync record), which reset also removes. */
  readonly store: StateStore;
  readonly scorer: Scorer;
  readonly random: RandomSource;
  /** Server clock, epoch ms. */
  readonly clock: () => number;
  readonly newEventId?: () => string;
  /** Where rewards of `/recommend` decisions are logged for off-policy evaluation (DECISION_LOG). */
  readonly decisionLog?: DecisionLogSink;
}

/** A scoring request after parsing: times as epoch ms, features as a K × 12 matrix. */
export interface PreparedRequest {
  readonly user: string;
  readonly now: number;
  readonly ids: readonly string[];
  readonly x: Float64Array;
  readonly k: number;
  readonly hasProfile: boolean;
}

export interface PolicyDecision {
  readonly spec: PolicySpec;
  readonly scores: Float64Array;
  readonly choice: Choice;
}

/**
 * The service's use cases over the pure core: features → policy scores → choice, and rewards into
 * durable state. Knows nothing of HTTP or NATS; both adapters call these methods.
 */
export class BanditService {
  private readonly newEventId: () => string;

  constructor(private readonly deps: BanditDeps) {
    this.newEventId = deps.newEventId ?? uuidv7;
  }

  get config(): Config {
    return this.deps.config;
  }

  eventId(): string {
    return this.newEventId();
  }

  get scorer(): Scorer {
    return this.deps.scorer;
  }

  prepare(req: ScoreRequest): PreparedRequest {
    const now = req.now === undefined ? this.deps.clock() : Date.parse(req.now);
    const profile = req.profile_features ?? null;
    // The local time and profile once per request; each candidate straight into its row.
    const ctx = contextFeatures({ now, timezone: req.timezone ?? 'UTC', profile });
    const k = req.candidates.length;
    const x = new Float64Array(k * FEATURE_WIDTH);
    const ids = new Array<string>(k);
    for (let i = 0; i < k; i++) {
      const c = req.candidates[i]!;
      ids[i] = c.id;
      const due = c.due_at === undefined || c.due_at === null ? null : Date.parse(c.due_at);
      writeFeatureRow(ctx, c.priority, Date.parse(c.created_at), due, x, i * FEATURE_WIDTH);
    }
    return { user: req.user_id, now, ids, x, k, hasProfile: profile !== null };
  }

  /** Scores with one policy. `explore: false` states the greedy choice and draws no random number. */
  async decide(spec: PolicySpec, p: PreparedRequest, explore = true): Promise<PolicyDecision> {
    if (spec.needsProfile && !p.hasProfile) {
      throw ValidationError.at(['body', 'profile_features'], 'Field required', 'missing');
    }
    const state = await this.deps.states.get(spec.name, p.user);
    const scores = await this.deps.scorer.score({
      spec,
      user: p.user,
      version: state,
      posterior: () => posteriorOf(state),
      b: state.b,
      x: p.x,
      k: p.k,
      stride: FEATURE_WIDTH,
    });
    const choice =
      spec.kind === 'linucb'
        ? chooseLinUCB(scores)
        : chooseEGreedy(scores, explore ? this.deps.config.EGREEDY_EPSILON : 0, this.deps.random);
    return { spec, scores, choice };
  }

  /**
   * Makes a decision rewardable: records it durably (before any response leaves) and shows its vectors
   * in the user's ring buffer.
   */
  async commitDecision(
    p: PreparedRequest,
    chooser: PolicyDecision,
    origin: ScoredEvent['origin'],
    learners: readonly PolicySpec[],
    eventId = this.newEventId(),
  ): Promise<string> {
    const t = this.deps.clock();
    const width = Math.max(...learners.map((s) => s.d));
    const x = new Float64Array(p.k * width);
    for (let i = 0; i < p.k; i++)
      x.set(p.x.subarray(i * FEATURE_WIDTH, i * FEATURE_WIDTH + width), i * width);
    await this.deps.decisions.record({
      id: eventId,
      t,
      user: p.user,
      origin,
      policy: chooser.spec.name,
      policies: learners.map((s) => s.name),
      chosen: p.ids[chooser.choice.index]!,
      ids: p.ids,
      x,
      width,
    });
    // The ring shows the chooser's d of the same rows the journal holds (width ≥ d).
    this.deps.rings.push(p.user, {
      ts: new Date(t).toISOString(),
      policy: chooser.spec.name,
      event_id: eventId,
      ids: p.ids,
      x,
      stride: width,
      d: chooser.spec.d,
    });
    return eventId;
  }

  /** The policy's reward estimates θᵀx for every candidate (the UCB bonus left out). */
  async estimates(spec: PolicySpec, p: PreparedRequest): Promise<Float64Array> {
    const state = await this.deps.states.get(spec.name, p.user);
    return scoreGreedy(posteriorOf(state), p.x, p.k, FEATURE_WIDTH);
  }

  async score(spec: PolicySpec, req: ScoreRequest): Promise<ScoreResponse> {
    const p = this.prepare(req);
    const decision = await this.decide(spec, p);
    const eventId = await this.commitDecision(p, decision, 'score', [spec]);
    return scoreResponse(p, decision, eventId);
  }

  async reward(spec: PolicySpec, req: RewardRequest): Promise<RewardResponse> {
    const ts = new Date(this.deps.clock()).toISOString();
    if (req.candidate !== undefined) return this.rewardByValue(spec, req, ts);

    const eventId = req.event_id!;
    const candidateId = req.candidate_id!;
    const d = await this.deps.decisions.get(eventId);
    // An event of another user, or of another policy's score endpoint, is not this path's event.
    if (!d || d.user !== req.user_id || (d.origin === 'score' && d.policy !== spec.name)) {
      throw new EventNotFoundError(eventId);
    }
    const idx = d.ids.indexOf(candidateId);
    if (idx < 0)
      throw ValidationError.at(
        ['body', 'candidate_id'],
        `candidate "${candidateId}" is not part of event ${eventId}`,
      );
    const row = d.x.subarray(idx * d.width, (idx + 1) * d.width);
    const key = `${eventId}:${candidateId}`;
    const outcomes = await Promise.all(
      d.policies.map((name) =>
        this.deps.states.apply(name, d.user, {
          kind: 'reward',
          x: row,
          reward: req.reward,
          idempotencyKey: key,
          ts,
        }),
      ),
    );
    // Repeats are logged too (the reader keeps the first per candidate): a crash between the state write
    // and the log write must not lose the reward from the log when the caller retries.
    if (d.origin === 'recommend' && this.deps.decisionLog) {
      await this.deps.decisionLog.append({
        type: 'reward',
        event_id: eventId,
        candidate_id: candidateId,
        reward: req.reward,
        ts,
      });
    }
    // The answer speaks for the path's policy when it took part, else for the policy that chose.
    let at = d.policies.indexOf(spec.name);
    if (at < 0) at = 0;
    return rewardResponse(req.user_id, d.policies[at]!, outcomes[at]!);
  }

  private async rewardByValue(spec: PolicySpec, req: RewardByValue, ts: string): Promise<RewardResponse> {
    const candidate = req.candidate;
    if (spec.needsProfile && req.profile_features === undefined) {
      throw ValidationError.at(['body', 'profile_features'], 'Field required', 'missing');
    }
    const now = req.now === undefined ? this.deps.clock() : Date.parse(req.now);
    const x = featureMatrix({ now, timezone: req.timezone ?? 'UTC', profile: req.profile_features ?? null }, [
      toCandidateFields(candidate),
    ]);
    const key = req.event_id === undefined ? null : `${req.event_id}:${candidate.id}`;
    const outcome = await this.deps.states.apply(spec.name, req.user_id, {
      kind: 'reward',
      x,
      reward: req.reward,
      idempotencyKey: key,
      ts,
    });
    return rewardResponse(req.user_id, spec.name, outcome);
  }

  async stats(spec: PolicySpec, user: string): Promise<StatsResponse> {
    const s = await this.deps.states.get(spec.name, user);
    const { config } = this.deps;
    return {
      user_id: user,
      policy: spec.name,
      d: spec.d,
      n_updates: s.nUpdates,
      total_reward: s.totalReward,
      mean_reward: s.nUpdates === 0 ? null : s.totalReward / s.nUpdates,
      theta: Array.from(posteriorOf(s).theta),
      last_update_ts: s.lastUpdateTs,
      lambda: s.lambda,
      params: spec.kind === 'linucb' ? { alpha: config.LINUCB_ALPHA } : { epsilon: config.EGREEDY_EPSILON },
    };
  }

  features(user: string): readonly FeatureItem[] {
    return this.deps.rings.items(user);
  }

  /** CONTRACT §4 /reset: every policy's state, the sync record, the decisions and the ring buffer. */
  async reset(user: string): Promise<void> {
    await Promise.all(
      (Object.keys(POLICIES) as PolicyName[]).map((name) => this.deps.states.reset(name, user)),
    );
    await this.deps.store.delete({ user, doc: 'sync' });
    await this.deps.decisions.resetUser(user);
    this.deps.rings.clear(user);
  }
}

export function toCandidateFields(c: ScoreRequest['candidates'][number]): CandidateFields {
  return {
    priority: c.priority,
    createdAt: Date.parse(c.created_at),
    dueAt: c.due_at === undefined || c.due_at === null ? null : Date.parse(c.due_at),
  };
}

export function scoreResponse(p: PreparedRequest, d: PolicyDecision, eventId: string): ScoreResponse {
  const chosen = d.choice.index;
  return {
    user_id: p.user,
    policy: d.spec.name,
    event_id: eventId,
    chosen: { id: p.ids[chosen]!, score: d.scores[chosen]!, propensity: d.choice.propensity },
    explored: d.choice.explored,
    ranked: rankOrder(d.scores).map((i) => ({ id: p.ids[i]!, score: d.scores[i]! })),
  };
}

function rewardResponse(user: string, policy: PolicyName, o: RewardOutcome): RewardResponse {
  return { user_id: user, policy, applied: o.applied, n_updates: o.nUpdates };
}
