import type { RandomSource } from './random.js';

/** Index of the highest score; the earliest candidate wins a tie (CONTRACT §3). */
export function argmaxEarliest(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

/** Candidate order for `ranked`: score descending, earliest first on ties (a stable sort). */
export function rankOrder(scores: ArrayLike<number>): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

export interface Choice {
  readonly index: number;
  readonly greedyIndex: number;
  readonly propensity: number;
  readonly explored: boolean;
}

/** LinUCB is deterministic: the top UCB score, propensity 1. */
export function chooseLinUCB(scores: ArrayLike<number>): Choice {
  const i = argmaxEarliest(scores);
  return { index: i, greedyIndex: i, propensity: 1, explored: false };
}

/** Probability that ε-greedy picks candidate `index` of K when `greedyIndex` is its greedy choice. */
export function egreedyProbability(epsilon: number, k: number, index: number, greedyIndex: number): number {
  return epsilon / k + (index === greedyIndex ? 1 - epsilon : 0);
}

/**
 * ε-greedy: with probability ε a uniform draw over all K candidates, else the greedy one. Exactly one
 * number is drawn for the coin and one more only when exploring, so a seeded source replays exactly.
 */
export function chooseEGreedy(scores: ArrayLike<number>, epsilon: number, random: RandomSource): Choice {
  const k = scores.length;
  const greedyIndex = argmaxEarliest(scores);
  const explored = epsilon > 0 && random() < epsilon;
  const index = explored ? Math.min(Math.floor(random() * k), k - 1) : greedyIndex;
  return { index, greedyIndex, propensity: egreedyProbability(epsilon, k, index, greedyIndex), explored };
}
