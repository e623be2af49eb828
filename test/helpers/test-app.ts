import type { FastifyInstance } from 'fastify';
import { onTestFinished } from 'vitest';
import { type AppOverrides, buildApp } from '../../src/app.js';
import { type Config, configWith } from '../../src/config/env.js';
import { tempDir } from './temp-dir.js';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly stateDir: string;
}

/** The real app on a temporary STATE_DIR, silent, closed when the test finishes. */
export async function testApp(
  env: Partial<Record<keyof Config, string>> = {},
  overrides: AppOverrides = {},
): Promise<TestApp> {
  const stateDir = env.STATE_DIR ?? tempDir();
  const config = configWith({ LOG_LEVEL: 'silent', EGREEDY_SEED: '7', ...env, STATE_DIR: stateDir });
  const app = await buildApp(config, overrides);
  onTestFinished(() => app.close());
  return { app, config, stateDir };
}

export const CANDIDATES = [
  { id: 't1', priority: 3, created_at: '2026-11-20T08:00:00Z', due_at: null },
  { id: 't2', priority: 1, created_at: '2026-10-01T08:00:00Z', due_at: '2026-11-22T00:00:00Z' },
  { id: 't3', priority: 4, created_at: '2026-11-24T07:00:00Z' },
];

export function scoreBody(user = 'u1', extra: Record<string, unknown> = {}) {
  return {
    user_id: user,
    now: '2026-11-24T09:30:00Z',
    timezone: 'Europe/Berlin',
    candidates: CANDIDATES,
    ...extra,
  };
}
