import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/env.js';

describe('ACTIVE_POLICY and SHADOW_POLICIES', () => {
  it('default to egreedy_v1 with linucb_v1 and egreedy_v2 in shadow', () => {
    const c = loadConfig({});
    expect(c.ACTIVE_POLICY).toBe('egreedy_v1');
    expect(c.SHADOW_POLICIES).toEqual(['linucb_v1', 'egreedy_v2']);
    expect(c.DECISION_LOG).toBe(true);
  });

  it('drop the active policy from the shadows and accept an empty shadow list', () => {
    expect(loadConfig({ ACTIVE_POLICY: 'linucb_v1' }).SHADOW_POLICIES).toEqual(['egreedy_v2']);
    expect(loadConfig({ SHADOW_POLICIES: '' }).SHADOW_POLICIES).toEqual([]);
  });

  it('stop the start with a message that names the variable', () => {
    for (const [variable, env] of [
      ['ACTIVE_POLICY', { ACTIVE_POLICY: 'linucb_v2' }],
      ['SHADOW_POLICIES', { SHADOW_POLICIES: 'linucb_v1,bogus' }],
      ['DECISION_LOG', { DECISION_LOG: 'maybe' }],
    ] as const) {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err, variable).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems[0]!.variable).toBe(variable);
    }
  });
});
