import type { RecommendResponse, ScoreRequest } from '../contract/mod.js';
import type { DecisionLogSink, DecisionRecord, ShadowEntry } from '../evaluation/mod.js';
import { egreedyProbability, POLICIES, type PolicyName, type PolicySpec } from '../policies/mod.js';
import { type BanditService, scoreResponse } from './bandit-service.js';

export interface RecommendDeps {
  readonly bandit: BanditService;
  readonly active: PolicyName;
  readonly shadows: readonly PolicyName[];
  readonly epsilon: number;
  /** Null when DECISION_LOG=0. */
  readonly log: DecisionLogSink | null;
  readonly clock: () => number;
}

/**
 * `POST /recommend` (CONTRACT §4): the active policy chooses as its score endpoint would; each shadow
 * scores the same candidates and states its greedy choice without drawing a random number; all of
 * them learn from the event's rewards; the decision is logged, with what off-policy evaluation needs,
 * before the response leaves.
 */
export class RecommendService {
  private readonly active: PolicySpec;
  private readonly shadows: readonly PolicySpec[];

  constructor(private readonly deps: RecommendDeps) {
    this.active = POLICIES[deps.active];
    this.shadows = deps.shadows.filter((s) => s !== deps.active).map((s) => POLICIES[s]);
  }

  async recommend(req: ScoreRequest): Promise<RecommendResponse> {
    const { bandit } = this.deps;
    const p = bandit.prepare(req);
    const chooser = await bandit.decide(this.active, p, true);
    const taking = this.shadows.filter((s) => !s.needsProfile || p.hasProfile);
    const shadowDecisions = await Promise.all(taking.map((s) => bandit.decide(s, p, false)));
    const eventId = bandit.eventId();
    const logged = chooser.choice.index;

    const writes: Promise<unknown>[] = [
      bandit.commitDecision(p, chooser, 'recommend', [this.active, ...taking], eventId),
    ];
    if (this.deps.log) {
      const q = this.active.kind === 'egreedy' ? chooser.scores : await bandit.estimates(this.active, p);
      const shadows: Partial<Record<PolicyName, ShadowEntry>> = {};
      for (const s of shadowDecisions) {
        const greedy = s.choice.greedyIndex;
        const epsilon = s.spec.kind === 'egreedy' ? this.deps.epsilon : 0;
        shadows[s.spec.name] = {
          chosen_id: p.ids[greedy]!,
          p_chosen:
            s.spec.kind === 'egreedy'
              ? egreedyProbability(epsilon, p.k, logged, greedy)
              : logged === greedy
                ? 1
                : 0,
          epsilon,
        };
      }
      const record: DecisionRecord = {
        type: 'decision',
        event_id: eventId,
        ts: new Date(this.deps.clock()).toISOString(),
        user_id: p.user,
        policy: this.active.name,
        chosen_id: p.ids[logged]!,
        propensity: chooser.choice.propensity,
        epsilon: this.active.kind === 'egreedy' ? this.deps.epsilon : 0,
        candidates: p.ids,
        q: Array.from(q),
        shadows,
      };
      writes.push(this.deps.log.append(record));
    }
    await Promise.all(writes);

    return {
      ...scoreResponse(p, chooser, eventId),
      shadows: shadowDecisions.map((s) => ({
        policy: s.spec.name,
        chosen_id: p.ids[s.choice.greedyIndex]!,
        score: s.scores[s.choice.greedyIndex]!,
        agrees: s.choice.greedyIndex === logged,
      })),
    };
  }
}
