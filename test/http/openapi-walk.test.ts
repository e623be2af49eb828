import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { replyWith, startStandInGateway } from '../helpers/stand-in-gateway.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testApp } from '../helpers/test-app.js';

// A parsed OpenAPI document is walked by key; its shape is what the test checks.
// biome-ignore lint/suspicious/noExplicitAny: JSON walked by key
type Json = Record<string, any>;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'walk-admin-token';
const METHODS = ['get', 'post'] as const;

async function documentOf(app: FastifyInstance): Promise<Json> {
  const res = await app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

function resolver(doc: Json) {
  const resolve = (s: Json | undefined): Json | undefined =>
    s?.$ref ? resolve(doc.components.schemas[String(s.$ref).split('/').pop()!]) : s;
  return resolve;
}

interface Operation {
  readonly method: (typeof METHODS)[number];
  readonly path: string;
  readonly op: Json;
}

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of METHODS) if (item[method]) out.push({ method, path, op: item[method] });
  }
  return out;
}

/** The URL the document's own parameter examples make. */
function exampleUrl({ path, op }: Operation): string {
  let url = path;
  const query: string[] = [];
  for (const p of (op.parameters ?? []) as Json[]) {
    const example = p.example ?? p.schema?.example;
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(String(example)));
    else if (p.in === 'query' && example !== undefined && p.required) query.push(`${p.name}=${example}`);
  }
  return query.length > 0 ? `${url}?${query.join('&')}` : url;
}

/** The JSON contract error: a 4xx with `{ error, message }`, never a 5xx, never a stack. */
function expectClientError(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 200)}`).toBeLessThan(500);
  expect(res.headers['content-type'], what).toMatch(/^application\/json/);
  const body = res.json();
  expect(typeof body.error, what).toBe('string');
  expect(typeof body.message, what).toBe('string');
  expect(res.body, what).not.toMatch(/\n\s+at /);
}

/** A value of another JSON type than the schema's. */
function wrongType(schema: Json | undefined): unknown {
  const type = schema?.type ?? (schema?.oneOf || schema?.anyOf || schema?.properties ? 'object' : 'string');
  return type === 'string' ? 12345 : 'not-the-right-type';
}

async function appWithGateway() {
  const gateway = await startStandInGateway(replyWith('["Write the first paragraph", "Take a break"]'));
  return testApp({ LITELLM_URL: gateway.url, ADMIN_TOKEN: TOKEN, BODY_LIMIT: '65536' });
}

describe('the OpenAPI document', () => {
  it('passes `redocly lint` with its recommended rules, no errors', async () => {
    const { app } = await testApp();
    const file = join(tempDir(), 'openapi.json');
    writeFileSync(file, JSON.stringify(await documentOf(app)));
    const res = spawnSync(join(ROOT, 'node_modules/.bin/redocly'), ['lint', file, '--format=summary'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 120_000,
    });
    const out = `${res.stdout}${res.stderr}`;
    expect(res.status, out).toBe(0);
    expect(out).not.toMatch(/^error /m);
    expect(out).toMatch(/valid/);
  });

  it('says what the service accepts and answers', async () => {
    const { app } = await testApp();
    const doc = await documentOf(app);
    const resolve = resolver(doc);
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.components.securitySchemes.adminBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ids = new Set<string>();
    for (const o of operations(doc)) {
      const what = `${o.method.toUpperCase()} ${o.path}`;
      expect(o.op.operationId, what).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(ids.has(o.op.operationId), `${what}: operationId repeated`).toBe(false);
      ids.add(o.op.operationId);
      expect(Array.isArray(o.op.security), what).toBe(true);
      for (const [status, response] of Object.entries(o.op.responses as Json)) {
        expect(response.description, `${what} ${status}`).not.toBe('Default Response');
        if (Number(status) >= 400) {
          // The error body, or (GET /ready's 503) the route's own body beside it.
          const schema = response.content['application/json'].schema;
          const error = { $ref: '#/components/schemas/Error' };
          expect(schema.oneOf ?? [schema], `${what} ${status}`).toContainEqual(error);
        }
      }
      if (o.op.requestBody) {
        for (const status of ['400', '413', '415', '422', '500', '503']) {
          expect(o.op.responses[status], `${what} ${status}`).toBeDefined();
        }
      }
    }
    expect(doc.paths['/reset/{user_id}'].post.security).toEqual([{ adminBearer: [] }]);
    expect(doc.paths['/reset/{user_id}'].post.responses['401']).toBeDefined();
    expect(doc.paths['/generate'].post.responses['502']).toBeDefined();
    expect(doc.paths['/generate'].post.responses['504']).toBeDefined();
    // The two reward forms, each with what it requires.
    const reward = resolve(doc.paths['/reward'].post.requestBody.content['application/json'].schema)!;
    const forms = reward.oneOf.map((f: Json) => resolve(f)!);
    expect(forms.map((f: Json) => [...f.required].sort())).toEqual([
      ['candidate_id', 'event_id', 'reward', 'user_id'],
      ['candidate', 'reward', 'user_id'],
    ]);
    // /score/batch items are score bodies; profile features and rewards are bounded.
    const batch = resolve(doc.paths['/score/batch'].post.requestBody.content['application/json'].schema)!;
    expect(resolve(batch.properties.requests.items)!.required).toEqual(
      expect.arrayContaining(['user_id', 'candidates']),
    );
    const byValue = forms[1];
    expect(byValue.properties.reward).toMatchObject({ minimum: -1, maximum: 1 });
    expect(byValue.properties.profile_features.items).toMatchObject({ minimum: -1000, maximum: 1000 });
  });

  it('every operation accepts its own example (2xx) and answers invalid variants with a 4xx JSON error, never 5xx', async () => {
    const { app } = await appWithGateway();
    const doc = await documentOf(app);
    const resolve = resolver(doc);
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(19);
    expect(ops.filter((o) => o.op.requestBody).length).toBeGreaterThanOrEqual(10);
    const headersFor = (o: Operation) => (o.op.security?.length ? { authorization: `Bearer ${TOKEN}` } : {});
    for (const o of ops) {
      const what = `${o.method.toUpperCase()} ${o.path}`;
      const url = exampleUrl(o);
      const schema = resolve(o.op.requestBody?.content['application/json'].schema);
      const example = schema?.example;
      if (o.op.requestBody) expect(example, `${what}: the document gives an example body`).toBeDefined();
      const ok = await app.inject({
        method: o.method.toUpperCase() as 'GET' | 'POST',
        url,
        headers: headersFor(o),
        ...(example === undefined ? {} : { payload: example }),
      });
      expect(ok.statusCode, `${what} example → ${ok.statusCode} ${ok.body.slice(0, 300)}`).toBeLessThan(300);

      const send = (payload: string, contentType = 'application/json', target = url) =>
        app.inject({
          method: o.method.toUpperCase() as 'GET' | 'POST',
          url: target,
          headers: { ...headersFor(o), 'content-type': contentType },
          payload,
        });
      for (const p of (o.op.parameters ?? []) as Json[]) {
        if (p.in !== 'path' || p.name === 'agent_id') continue;
        const bad = await app.inject({
          method: o.method.toUpperCase() as 'GET' | 'POST',
          url: o.path.replace(`{${p.name}}`, '..'),
          headers: headersFor(o),
          ...(example === undefined ? {} : { payload: example }),
        });
        expectClientError(bad, `${what} path ${p.name}=..`);
        expectClientError(
          await app.inject({
            method: o.method.toUpperCase() as 'GET',
            url: o.path.replace(`{${p.name}}`, '%'),
          }),
          `${what} undecodable path`,
        );
      }
      if (!o.op.requestBody) continue;
      // The form the example is in (for oneOf bodies) says which fields are required.
      const form = schema!.oneOf
        ? schema!.oneOf
            .map((f: Json) => resolve(f)!)
            .find((f: Json) => f.required.every((k: string) => k in example))
        : schema!;
      const required: string[] = form.required ?? [];
      expect(required.length, what).toBeGreaterThan(0);
      for (const key of required) {
        const { [key]: _dropped, ...missing } = example;
        expectClientError(await send(JSON.stringify(missing)), `${what} without ${key}`);
        const wrong = { ...example, [key]: wrongType(resolve(form.properties[key])) };
        expectClientError(await send(JSON.stringify(wrong)), `${what} ${key} of a wrong type`);
      }
      expectClientError(await send(JSON.stringify([example])), `${what} an array body`);
      expectClientError(await send('{"user_id": "u1",'), `${what} not JSON`);
      expectClientError(await send(''), `${what} empty`);
      expectClientError(await send(JSON.stringify(example), 'text/plain'), `${what} text/plain`);
      const oversized = await send(JSON.stringify({ ...example, pad: 'x'.repeat(70_000) }));
      if (o.path !== '/score/batch') expect(oversized.statusCode, `${what} oversized`).toBe(413);
      expectClientError(
        await send(JSON.stringify({ ...example, [required[0]!]: 'x'.repeat(100_000) })),
        `${what} oversized field`,
      );
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      expectClientError(await send(`{"user_id":"u1","${required[0]}":${deep}}`), `${what} deeply nested`);
    }
    // The process is alive and answers.
    const health = await app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(200);
  });
});
