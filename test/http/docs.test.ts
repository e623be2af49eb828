import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/test-app.js';

/** Every route of CONTRACT §4 that this service serves, as OpenAPI paths. */
const CONTRACT_ROUTES: [method: string, path: string][] = [
  ['post', '/score'],
  ['post', '/score/egreedy'],
  ['post', '/score/egreedy/v2'],
  ['post', '/reward'],
  ['post', '/reward/egreedy'],
  ['post', '/reward/egreedy/v2'],
  ['get', '/stats/{user_id}'],
  ['get', '/stats/egreedy/{user_id}'],
  ['get', '/stats/egreedy/v2/{user_id}'],
  ['get', '/features/{user_id}'],
  ['post', '/reset/{user_id}'],
  ['get', '/health'],
  ['get', '/ready'],
  ['post', '/score/batch'],
  ['post', '/recommend'],
  ['get', '/evaluation'],
  ['post', '/generate'],
  ['post', '/agents/{agent_id}/infer'],
];

describe('OpenAPI document', () => {
  it('lists every contract route, with the zod schemas as request and response bodies', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const [method, path] of CONTRACT_ROUTES) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }

    const score = doc.paths['/score/egreedy'].post;
    const body = score.requestBody.content['application/json'].schema;
    const resolve = (s: { $ref?: string }) =>
      s.$ref ? doc.components.schemas[s.$ref.split('/').pop() as string] : s;
    const req = resolve(body);
    expect(req.required).toEqual(expect.arrayContaining(['user_id', 'candidates']));
    expect(req.properties.candidates.maxItems).toBe(1000);
    const ok = resolve(score.responses['200'].content['application/json'].schema);
    expect(Object.keys(ok.properties)).toEqual(
      expect.arrayContaining(['user_id', 'policy', 'event_id', 'chosen', 'explored', 'ranked']),
    );
    expect(score.responses['503']).toBeDefined();
    const stats = doc.paths['/stats/{user_id}'].get;
    expect(stats.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:user_id',
    ]);
    expect(doc.paths['/metrics']?.get).toBeDefined();
  });

  it('serves a browsable page at /docs', async () => {
    const { app } = await testApp();
    let res = await app.inject({ method: 'GET', url: '/docs' });
    if (res.statusCode === 302)
      res = await app.inject({ method: 'GET', url: res.headers.location as string });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });
});
