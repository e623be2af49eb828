import type { PolicyName } from './policy-names.js';

export type PolicyKind = 'linucb' | 'egreedy';

/** What the rest of the service needs to know about one policy: its math, its width and its routes. */
export interface PolicySpec {
  readonly name: PolicyName;
  readonly kind: PolicyKind;
  /** Feature dimension: the first `d` entries of the full 12-wide feature row. */
  readonly d: number;
  /** Whether the caller must send `profile_features`. */
  readonly needsProfile: boolean;
  /** Suffix of the per-user state file, `{user}{suffix}.json` (CONTRACT §5). */
  readonly fileSuffix: string;
  /** Route suffix after /score, /reward and /stats. */
  readonly routeSuffix: string;
}

export const POLICIES: Readonly<Record<PolicyName, PolicySpec>> = {
  linucb_v1: {
    name: 'linucb_v1',
    kind: 'linucb',
    d: 5,
    needsProfile: false,
    fileSuffix: '',
    routeSuffix: '',
  },
  egreedy_v1: {
    name: 'egreedy_v1',
    kind: 'egreedy',
    d: 7,
    needsProfile: false,
    fileSuffix: '_egreedy',
    routeSuffix: '/egreedy',
  },
  egreedy_v2: {
    name: 'egreedy_v2',
    kind: 'egreedy',
    d: 12,
    needsProfile: true,
    fileSuffix: '_egreedy_v2',
    routeSuffix: '/egreedy/v2',
  },
};

export const ALL_POLICIES: readonly PolicySpec[] = Object.values(POLICIES);

/** Hyper-parameters shared by every user of a policy. */
export interface PolicyParams {
  readonly lambda: number;
  readonly alpha: number;
  readonly epsilon: number;
}
