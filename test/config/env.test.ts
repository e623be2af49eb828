import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvSchema, loadConfig } from '../../src/config/env.js';

describe('the environment schema', () => {
  it('gives the contract defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 8000,
      HOST: '127.0.0.1',
      STATE_DIR: '/tmp/oo-bandit-state',
      NATS_URL: '',
      NATS_DURABLE_PREFIX: 'feature-pipeline',
      NATS_MAX_DELIVER: 5,
      LITELLM_URL: 'http://localhost:4000',
      LITELLM_MASTER_KEY: 'sk-oo-dev',
      DEFAULT_PROMPT_VERSION: 'v1',
      ENV: 'development',
      SENTRY_DSN: '',
      RIDGE_LAMBDA: 1,
      LINUCB_ALPHA: 1,
      EGREEDY_EPSILON: 0.1,
      REWARD_WINDOW_S: 86_400,
      ACTIVE_POLICY: 'egreedy_v1',
      SHADOW_POLICIES: ['linucb_v1', 'egreedy_v2'],
      BODY_LIMIT: 1024 * 1024,
      BATCH_BODY_LIMIT: 64 * 1024 * 1024,
    });
  });

  it('names every unusable variable', () => {
    try {
      loadConfig({ PORT: '-1', EGREEDY_EPSILON: 'abc', SHADOW_POLICIES: 'linucb_v1,nope', FSYNC: 'maybe' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.variable).sort();
      expect(names).toEqual(['EGREEDY_EPSILON', 'FSYNC', 'PORT', 'SHADOW_POLICIES']);
    }
  });

  it('drops the active policy from the shadows', () => {
    expect(loadConfig({ ACTIVE_POLICY: 'linucb_v1' }).SHADOW_POLICIES).toEqual(['egreedy_v2']);
  });

  it('is documented: every variable has a row in the table of docs/configuration.md', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of Object.keys(EnvSchema.shape)) expect(doc).toContain(`| \`${name}\` |`);
  });
});
