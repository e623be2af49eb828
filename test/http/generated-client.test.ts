import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../src/net/ports.js';
import { testApp } from '../helpers/test-app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What a user of the service writes against the generated types. The `@ts-expect-error` lines make the
 * type check fail if the document stops saying what the service demands (they would be unused).
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const candidates = [
  { id: 't1', priority: 3, created_at: '2026-11-20T08:00:00Z', due_at: null },
  { id: 't2', priority: 1, created_at: '2026-10-01T08:00:00Z' },
];

export async function roundTrip(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  const scored = await client.POST('/score/egreedy', {
    body: { user_id: 'gen1', now: '2026-11-24T09:30:00Z', candidates },
  });
  if (!scored.data) throw new Error('score failed: ' + JSON.stringify(scored.error));
  const rewarded = await client.POST('/reward/egreedy', {
    body: { user_id: 'gen1', reward: 1, event_id: scored.data.event_id, candidate_id: scored.data.chosen.id },
  });
  const stats = await client.GET('/stats/egreedy/{user_id}', { params: { path: { user_id: 'gen1' } } });
  const batch = await client.POST('/score/batch', {
    body: {
      policy: 'egreedy_v2',
      requests: [
        { user_id: 'gen1', candidates, profile_features: [0.2, 0, 1, 0.5, 0.1] },
        { user_id: 'gen2', candidates: [] },
      ],
    },
  });
  const refused = await client.POST('/reward/egreedy', {
    body: { user_id: 'gen1', reward: 1, event_id: 'no-such-event', candidate_id: 't1' },
  });
  return {
    scored: scored.data,
    rewarded: rewarded.data,
    stats: stats.data,
    batch: batch.data,
    refused: { status: refused.response.status, error: refused.error },
  };
}

export async function typeChecksOnly(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  // @ts-expect-error a reward needs event_id + candidate_id, or candidate
  await client.POST('/reward', { body: { user_id: 'u1', reward: 1 } });
  // @ts-expect-error the reward is a number
  await client.POST('/reward', { body: { user_id: 'u1', reward: 'yes', event_id: 'e', candidate_id: 'c' } });
  // @ts-expect-error batch items are score bodies
  await client.POST('/score/batch', { body: { policy: 'egreedy_v1', requests: [{ user: 'u1' }] } });
  // @ts-expect-error the policy is one of three names
  await client.POST('/score/batch', { body: { policy: 'nope', requests: [] } });
}
`;

describe('a client generated from /docs/json (openapi-typescript + openapi-fetch)', () => {
  it('type-checks against the document and makes a score → reward → stats round trip and a batch call', async () => {
    const { app } = await testApp();
    const base = await app.listen({ port: await freePort(), host: '127.0.0.1' });
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as OpenAPI3;

    // Inside the repository, so that `openapi-fetch` resolves from its node_modules.
    const dir = mkdtempSync(join(ROOT, '.generated-client-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(doc)));
    writeFileSync(join(dir, 'client.ts'), CLIENT);
    const tsc = spawnSync(
      join(ROOT, 'node_modules/.bin/tsc'),
      [
        '--strict',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--skipLibCheck',
        '--outDir',
        join(dir, 'out'),
        join(dir, 'client.ts'),
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0);

    const client = await import(pathToFileURL(join(dir, 'out', 'client.js')).href);
    const r = await client.roundTrip(base);
    expect(r.scored.policy).toBe('egreedy_v1');
    expect(r.rewarded).toEqual({ user_id: 'gen1', policy: 'egreedy_v1', applied: true, n_updates: 1 });
    expect(r.stats.n_updates).toBe(1);
    expect(r.stats.theta).toHaveLength(7);
    expect(r.batch.results).toHaveLength(2);
    expect(r.batch.results[0].policy).toBe('egreedy_v2');
    expect(r.batch.results[1].error).toBe('validation_error');
    expect(r.refused).toEqual({
      status: 404,
      error: { error: 'event_not_found', message: expect.any(String) },
    });
  });
});
