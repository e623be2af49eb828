import { createRandomSource, type PolicyName } from '../policies/mod.js';
import { makeRound, makeUsers, policyValue } from './world.js';

/** One HTTP exchange with the service: a real port (fetch) in the CLI, `app.inject` in tests. */
export type Transport = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>;

export interface SimulationOptions {
  readonly transport: Transport;
  readonly rounds: number;
  readonly users: number;
  /** Candidates per round. */
  readonly k: number;
  readonly seed: number;
  /** Cumulative-regret points kept per policy (the series is thinned to this many). */
  readonly points?: number;
  readonly onRound?: (done: number) => void;
}

export interface RegretPoint {
  readonly round: number;
  readonly policy: string;
  readonly regret: number;
}

export interface PolicyOutcome {
  readonly policy: string;
  readonly role: 'active' | 'shadow' | 'baseline';
  /** Σ over rounds of μ* − V_t(π), π's expected reward in round t. */
  readonly regret: number;
  readonly firstHalf: number;
  readonly secondHalf: number;
  /** mean over rounds of V_t(π): what an off-policy estimate over these decisions should find. */
  readonly trueValue: number;
}

export interface SimulationResult {
  readonly rounds: number;
  readonly epsilon: number;
  readonly active: PolicyName;
  readonly outcomes: PolicyOutcome[];
  readonly series: RegretPoint[];
  readonly meanReward: number;
  readonly fromTs: string;
  readonly toTs: string;
}

interface RecommendBody {
  event_id: string;
  policy: PolicyName;
  chosen: { id: string };
  ranked: { id: string }[];
  shadows: { policy: PolicyName; chosen_id: string }[];
}

const ROUND_MS = 37 * 60_000;
const START_MS = Date.parse('2026-11-02T06:00:00Z');

/**
 * Drives the service as its users would: each round one synthetic user (in turn) gets K fresh tasks,
 * `/recommend` picks one, the user accepts it with probability μ, and `/reward` reports 1 or 0 for the
 * event. The simulator knows μ for every task, so it scores every policy's choice in every round: the
 * active policy's distribution, each shadow's greedy choice (ε-greedy shadows with their ε), and a
 * uniform random baseline. Regret is pseudo-regret, μ* − V_t(π), which is what the estimators target.
 */
export async function simulate(o: SimulationOptions): Promise<SimulationResult> {
  const random = createRandomSource(o.seed);
  const users = makeUsers(random, o.users);
  // The service's ε (an ε-greedy policy's value is its exploring distribution's), as /stats reports it.
  const stats = (await o.transport('GET', `/stats/egreedy/${users[0]!.id}`)) as {
    params: { epsilon: number };
  };
  const epsilon = stats.params.epsilon;
  const eps = (p: string) => (p.startsWith('egreedy') ? epsilon : 0);
  const acc = new Map<
    string,
    { role: PolicyOutcome['role']; regret: number; first: number; value: number }
  >();
  const series: RegretPoint[] = [];
  const every = Math.max(1, Math.floor(o.rounds / (o.points ?? 200)));
  const half = Math.floor(o.rounds / 2);
  let active: PolicyName | null = null;
  let rewardSum = 0;
  const fromTs = new Date(Date.now() - 1000).toISOString();

  const note = (policy: string, role: PolicyOutcome['role'], best: number, value: number, round: number) => {
    let a = acc.get(policy);
    if (!a) {
      a = { role, regret: 0, first: 0, value: 0 };
      acc.set(policy, a);
    }
    a.regret += best - value;
    if (round < half) a.first += best - value;
    a.value += value;
  };

  for (let t = 0; t < o.rounds; t++) {
    const user = users[t % users.length]!;
    const round = makeRound(random, user, START_MS + t * ROUND_MS, o.k, t);
    const res = (await o.transport('POST', '/recommend', {
      user_id: user.id,
      now: round.now,
      timezone: user.timezone,
      candidates: round.tasks,
      profile_features: user.profile,
    })) as RecommendBody;
    active = res.policy;
    const index = (id: string) => round.tasks.findIndex((task) => task.id === id);
    const best = Math.max(...round.mu);
    const chosen = index(res.chosen.id);
    // The active policy's greedy choice is the top of `ranked`; its value counts its exploration too.
    note(res.policy, 'active', best, policyValue(round.mu, index(res.ranked[0]!.id), eps(res.policy)), t);
    for (const s of res.shadows)
      note(s.policy, 'shadow', best, policyValue(round.mu, index(s.chosen_id), eps(s.policy)), t);
    note('uniform_random', 'baseline', best, policyValue(round.mu, 0, 1), t);

    const reward = random() < round.mu[chosen]! ? 1 : 0;
    rewardSum += reward;
    await o.transport('POST', '/reward', {
      user_id: user.id,
      reward,
      event_id: res.event_id,
      candidate_id: res.chosen.id,
    });
    if ((t + 1) % every === 0 || t + 1 === o.rounds) {
      for (const [policy, a] of acc) series.push({ round: t + 1, policy, regret: a.regret });
    }
    o.onRound?.(t + 1);
  }
  const outcomes = [...acc.entries()].map(([policy, a]) => ({
    policy,
    role: a.role,
    regret: a.regret,
    firstHalf: a.first,
    secondHalf: a.regret - a.first,
    trueValue: a.value / o.rounds,
  }));
  return {
    rounds: o.rounds,
    epsilon,
    active: active ?? 'egreedy_v1',
    outcomes,
    series,
    meanReward: rewardSum / o.rounds,
    fromTs,
    toTs: new Date(Date.now() + 1000).toISOString(),
  };
}
