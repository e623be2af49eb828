/** The policies of the contract, by the names that appear in responses, logs and subjects. */
export const POLICY_NAMES = ['linucb_v1', 'egreedy_v1', 'egreedy_v2'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(s: string): s is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(s);
}
