import type { DecisionRecord, LogRecord, ShadowEntry } from '../../src/evaluation/decision-records.js';
import { argmaxEarliest, egreedyProbability } from '../../src/policies/choose.js';
import type { PolicyName } from '../../src/policies/policy-names.js';
import { createRandomSource, type RandomSource } from '../../src/policies/random.js';

/**
 * A synthetic world for off-policy evaluation whose true policy values are known exactly: a finite set
 * of contexts drawn uniformly, K candidates each with a reward probability μ, a reward model q that is
 * μ plus a fixed bias (so DR's model is wrong, as in life), an ε-greedy logging policy and two shadows
 * (a deterministic one and an ε-greedy one), each greedy on its own noisy view of μ.
 */
export interface SyntheticWorld {
  readonly k: number;
  readonly mu: number[][];
  readonly q: number[][];
  readonly greedy: Record<PolicyName, number[]>;
  readonly epsilon: Record<PolicyName, number>;
  /** V(π) = mean over contexts of Σ_a π(a|c)·μ(c,a). */
  readonly truth: Record<PolicyName, number>;
}

export const LOGGER: PolicyName = 'egreedy_v1';
export const SHADOWS: readonly PolicyName[] = ['linucb_v1', 'egreedy_v2'];

export function syntheticWorld(
  random: RandomSource,
  opts: { contexts?: number; k?: number; loggerEpsilon?: number; shadowEpsilon?: number } = {},
): SyntheticWorld {
  const contexts = opts.contexts ?? 40;
  const k = opts.k ?? 4;
  const epsilon = {
    egreedy_v1: opts.loggerEpsilon ?? 0.3,
    linucb_v1: 0,
    egreedy_v2: opts.shadowEpsilon ?? 0.1,
  } as Record<PolicyName, number>;
  const noise = (scale: number) => (random() - 0.5) * 2 * scale;
  const mu: number[][] = [];
  const q: number[][] = [];
  const greedy = { egreedy_v1: [], linucb_v1: [], egreedy_v2: [] } as Record<PolicyName, number[]>;
  for (let c = 0; c < contexts; c++) {
    const m = Array.from({ length: k }, () => 0.05 + 0.9 * random());
    mu.push(m);
    q.push(m.map((v) => v + noise(0.2)));
    greedy.egreedy_v1.push(argmaxEarliest(m.map((v) => v + noise(0.4))));
    greedy.linucb_v1.push(argmaxEarliest(m.map((v) => v + noise(0.15))));
    greedy.egreedy_v2.push(argmaxEarliest(m.map((v) => v + noise(0.6))));
  }
  const truth = {} as Record<PolicyName, number>;
  for (const p of [LOGGER, ...SHADOWS]) {
    let v = 0;
    for (let c = 0; c < contexts; c++) {
      for (let a = 0; a < k; a++) v += egreedyProbability(epsilon[p], k, a, greedy[p][c]!) * mu[c]![a]!;
    }
    truth[p] = v / contexts;
  }
  return { k, mu, q, greedy, epsilon, truth };
}

export interface LogOptions {
  readonly n: number;
  readonly startMs: number;
  /** Milliseconds between decisions. */
  readonly stepMs: number;
  /** Reward arrives this long after its decision. */
  readonly rewardDelayMs: number;
  /** Probability that a decision gets no reward at all. */
  readonly missing?: number;
  /** Probability that a reward is sent twice (the second time with another value, which must be ignored). */
  readonly duplicate?: number;
  /** Probability of an extra reward for a candidate that was not chosen (ignored by the estimators). */
  readonly offTarget?: number;
  /** Bernoulli rewards in {0, 1} (default) or continuous ones in [-1, 1] around 2μ − 1. */
  readonly continuous?: boolean;
}

/** A decision log of the world, in time order, as the service writes it. */
export function syntheticLog(world: SyntheticWorld, random: RandomSource, o: LogOptions): LogRecord[] {
  const out: { t: number; seq: number; rec: LogRecord }[] = [];
  const ids = Array.from({ length: world.k }, (_, i) => `a${i}`);
  let seq = 0;
  for (let i = 0; i < o.n; i++) {
    const t = o.startMs + i * o.stepMs;
    const c = Math.min(Math.floor(random() * world.mu.length), world.mu.length - 1);
    const eps = world.epsilon[LOGGER];
    const g = world.greedy[LOGGER][c]!;
    const chosen = random() < eps ? Math.min(Math.floor(random() * world.k), world.k - 1) : g;
    const shadows: Partial<Record<PolicyName, ShadowEntry>> = {};
    for (const s of SHADOWS) {
      const sg = world.greedy[s][c]!;
      shadows[s] = {
        chosen_id: ids[sg]!,
        p_chosen: egreedyProbability(world.epsilon[s], world.k, chosen, sg),
        epsilon: world.epsilon[s],
      };
    }
    const event_id = `e${i}`;
    const decision: DecisionRecord = {
      type: 'decision',
      event_id,
      ts: new Date(t).toISOString(),
      user_id: `u${c % 7}`,
      policy: LOGGER,
      chosen_id: ids[chosen]!,
      propensity: egreedyProbability(eps, world.k, chosen, g),
      epsilon: eps,
      candidates: ids,
      q: world.q[c]!,
      shadows,
    };
    out.push({ t, seq: seq++, rec: decision });
    const mu = world.mu[c]![chosen]!;
    const draw = () =>
      o.continuous ? Math.max(-1, Math.min(1, 2 * mu - 1 + (random() - 0.5))) : random() < mu ? 1 : 0;
    const reward = (rt: number, candidate: string, r: number) =>
      out.push({
        t: rt,
        seq: seq++,
        rec: { type: 'reward', event_id, candidate_id: candidate, reward: r, ts: new Date(rt).toISOString() },
      });
    if (o.missing !== undefined && random() < o.missing) continue;
    const rt = t + o.rewardDelayMs;
    reward(rt, ids[chosen]!, draw());
    if (o.duplicate !== undefined && random() < o.duplicate) reward(rt + 1, ids[chosen]!, draw());
    if (o.offTarget !== undefined && random() < o.offTarget) reward(rt, ids[(chosen + 1) % world.k]!, 1);
  }
  return out.sort((a, b) => a.t - b.t || a.seq - b.seq).map((e) => e.rec);
}

export { createRandomSource };
