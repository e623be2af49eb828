import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/http/json-bounds.js';
import { freePort } from '../../src/net/ports.js';
import { traceIdOf } from '../../src/observability/trace-context.js';
import { replyWith, startStandInGateway } from '../helpers/stand-in-gateway.js';
import { CANDIDATES, scoreBody, testApp } from '../helpers/test-app.js';

const POST_ROUTES = [
  '/score',
  '/score/egreedy',
  '/score/egreedy/v2',
  '/score/batch',
  '/reward',
  '/reward/egreedy',
  '/reward/egreedy/v2',
  '/recommend',
  '/generate',
  '/agents/time_of_day/infer',
  '/reset/u1',
];

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: await freePort(), host: '127.0.0.1' });
}

/** Writes raw bytes on a fresh connection and returns everything the server sent before closing. */
function rawExchange(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      got += c;
    });
    socket.on('close', () => resolve(got));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' ? resolve(got) : reject(err),
    );
  });
}

function bodyOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

describe('deeply nested bodies', () => {
  const deepArray = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;

  it('get a 4xx with the contract body on every route, never 500', async () => {
    const { app } = await testApp({ LITELLM_URL: 'http://127.0.0.1:9' });
    for (const url of POST_ROUTES) {
      for (const [what, nested] of [
        ['array', deepArray],
        ['object', deepObject],
      ] as const) {
        for (const payload of [nested, `{"user_id":"u1","context":${nested},"requests":${nested}}`]) {
          const res = await app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload,
          });
          expect(res.statusCode, `${url} ${what}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, `${url} ${what}`).toBeLessThan(500);
          const body = res.json();
          expect(typeof body.error).toBe('string');
          expect(typeof body.message).toBe('string');
        }
      }
    }
    // Nesting up to the bound is still read: /generate's free context takes it (the refine measures it).
    const ok = `${'['.repeat(MAX_JSON_DEPTH - 2)}${']'.repeat(MAX_JSON_DEPTH - 2)}`;
    const res = await app.inject({
      method: 'POST',
      url: '/generate',
      headers: { 'content-type': 'application/json' },
      payload: `{"user_id":"u1","context":{"deep":${ok}}}`,
    });
    expect(res.json().error).toBe('upstream_error');
  });

  it('are refused with 422 at the bound, naming where', async () => {
    const { app } = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/score',
      headers: { 'content-type': 'application/json' },
      payload: `{"user_id":"u1","candidates":${deepArray}}`,
    });
    expect(res.statusCode).toBe(422);
    const detail = res.json().detail[0];
    expect(detail.type).toBe('too_deep');
    expect(detail.loc.slice(0, 3)).toEqual(['body', 'candidates', 0]);
  });

  it('are refused when short too (a small body is scanned only at its end, by its bracket count)', async () => {
    const { app } = await testApp();
    const justOver = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    for (const candidates of [justOver, `[{"x":${justOver}}]`]) {
      const res = await app.inject({
        method: 'POST',
        url: '/score',
        headers: { 'content-type': 'application/json' },
        payload: `{"user_id":"u1","candidates":${candidates}}`,
      });
      expect(res.statusCode, candidates.slice(0, 20)).toBe(422);
      expect(res.json().detail[0].type).toBe('too_deep');
    }
  });
});

describe('a 64 MiB /score/batch of empty items', () => {
  it('is refused past 10,000 items while it arrives, and /health answers meanwhile', async () => {
    const { app } = await testApp();
    const base = await listen(app);
    const head = '{"policy":"egreedy_v1","requests":[';
    const item = '{},';
    const total = 64 * 1024 * 1024 - 1024;
    const items = Math.floor((total - head.length - 3) / item.length);
    const chunk = Buffer.from(item.repeat(21_845)); // 64 KiB - 1
    const { port } = new URL(base);
    let healthAnswered = false;
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(port),
          method: 'POST',
          path: '/score/batch',
          headers: {
            'content-type': 'application/json',
            'content-length': String(head.length + items * item.length + 1),
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // The server may close the connection once it answered, before the whole body is written.
        if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
      });
      req.write(head);
      let sent = 0;
      const pump = () => {
        while (sent + 21_845 <= items) {
          sent += 21_845;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.write(item.repeat(items - sent).slice(0, -1));
        req.end(']}');
      };
      pump();
    });
    const health = fetch(`${base}/health`).then((r) => {
      healthAnswered = r.status === 200;
    });
    const res = await answer;
    await health;
    expect(healthAnswered).toBe(true);
    expect(res.status).toBe(422);
    const body = JSON.parse(res.body);
    expect(body.error).toBe('validation_error');
    expect(body.detail[0]).toMatchObject({ type: 'too_many_items', loc: ['body', 'requests'] });
    // The process is alive and serving.
    const after = await fetch(`${base}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(scoreBody()),
    });
    expect(after.status).toBe(200);
  });
});

describe('user ids of 128 characters', () => {
  it('are served on every path; 129 characters get 422', async () => {
    const { app } = await testApp();
    const id = `u${'x'.repeat(127)}`;
    const score = await app.inject({ method: 'POST', url: '/score', payload: scoreBody(id) });
    expect(score.statusCode).toBe(200);
    for (const [method, path] of [
      ['GET', '/stats/'],
      ['GET', '/stats/egreedy/'],
      ['GET', '/stats/egreedy/v2/'],
      ['GET', '/features/'],
      ['POST', '/reset/'],
    ] as const) {
      const ok = await app.inject({ method, url: `${path}${id}` });
      expect(ok.statusCode, `${method} ${path}: ${ok.body}`).toBe(200);
      expect(ok.json().user_id).toBe(id);
      const long = await app.inject({ method, url: `${path}${id}y` });
      expect(long.statusCode, `${method} ${path} 129`).toBe(422);
      expect(long.json().detail[0].loc).toEqual(['path', 'user_id']);
    }
  });
});

describe('errors Node raises before a request exists', () => {
  it('answer the contract body: 431 for 16 KiB of headers, 400 for a malformed request', async () => {
    const { app } = await testApp();
    const base = await listen(app);
    const big = await rawExchange(
      base,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    expect(big).toMatch(/content-type: application\/json/i);
    expect(bodyOf(big)).toEqual({ error: 'headers_too_large', message: expect.any(String) });
    const bad = await rawExchange(base, 'NOT A REQUEST\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(bad)).toEqual({ error: 'bad_request', message: expect.any(String) });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/bandit_http_client_errors_total\{status_code="431"\} 1/);
    expect(metrics).toMatch(/bandit_http_client_errors_total\{status_code="400"\} 1/);
  });
});

describe('finite math', () => {
  it('refuses a profile feature of 1e308 (422, nothing changed) and the next reward works', async () => {
    const { app } = await testApp();
    const candidate = CANDIDATES[0];
    const reward = (profile: number[]) =>
      app.inject({
        method: 'POST',
        url: '/reward/egreedy/v2',
        payload: {
          user_id: 'u1',
          reward: 1,
          candidate,
          now: '2026-11-24T09:30:00Z',
          profile_features: profile,
        },
      });
    const hostile = await reward([1e308, 0, 0, 0, 0]);
    expect(hostile.statusCode).toBe(422);
    expect(hostile.json().detail[0].loc).toEqual(['body', 'profile_features', 0]);
    const stats = await app.inject({ method: 'GET', url: '/stats/egreedy/v2/u1' });
    expect(stats.json().n_updates).toBe(0);
    const normal = await reward([0.2, 0, 1, 0.5, 0.1]);
    expect(normal.statusCode).toBe(200);
    expect(normal.json().n_updates).toBe(1);
    const after = await app.inject({ method: 'GET', url: '/stats/egreedy/v2/u1' });
    expect(after.statusCode).toBe(200);
    expect(after.json().theta.every(Number.isFinite)).toBe(true);
    const score = await app.inject({
      method: 'POST',
      url: '/score/egreedy/v2',
      payload: scoreBody('u1', { profile_features: [0.2, 0, 1, 0.5, 0.1] }),
    });
    expect(score.statusCode).toBe(200);
  });
});

describe('/generate', () => {
  it('answers 503 overloaded past GENERATE_MAX_INFLIGHT calls at once', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const gateway = await startStandInGateway(async (call, res) => {
      await held;
      replyWith('["a tip"]')(call, res);
    });
    const { app } = await testApp({ LITELLM_URL: gateway.url, GENERATE_MAX_INFLIGHT: '1' });
    const body = { user_id: 'u1', context: { a: 1 } };
    const first = app.inject({ method: 'POST', url: '/generate', payload: body });
    await gateway.call(0);
    const second = await app.inject({ method: 'POST', url: '/generate', payload: body });
    expect(second.statusCode).toBe(503);
    expect(second.json().error).toBe('overloaded');
    expect(second.headers['retry-after']).toBeDefined();
    release();
    expect((await first).statusCode).toBe(200);
    const third = await app.inject({ method: 'POST', url: '/generate', payload: body });
    expect(third.statusCode).toBe(200);
  });

  it('does not pass on a model name that is not a short printable name', async () => {
    const gateway = await startStandInGateway(replyWith('["a tip"]', { model: `m${'x'.repeat(5000)}` }));
    const { app } = await testApp({ LITELLM_URL: gateway.url, LITELLM_MODEL: 'my-alias' });
    const res = await app.inject({
      method: 'POST',
      url: '/generate',
      payload: { user_id: 'u1', context: {} },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().model).toBe('my-alias');
  });
});

describe('traceparent (W3C Trace Context)', () => {
  const T = '4bf92f3577b34da6a3ce929d0e0e4736';
  const P = '00f067aa0ba902b7';
  it('is taken only when valid', () => {
    expect(traceIdOf(`00-${T}-${P}-01`)).toBe(T);
    // A later version may add fields.
    expect(traceIdOf(`01-${T}-${P}-01-extra`)).toBe(T);
    expect(traceIdOf(`ff-${T}-${P}-01`)).toBeUndefined();
    expect(traceIdOf(`00-${T.toUpperCase()}-${P}-01`)).toBeUndefined();
    expect(traceIdOf(`00-${T}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(traceIdOf(`00-${'0'.repeat(32)}-${P}-01`)).toBeUndefined();
    expect(traceIdOf(`00-${T}-${P}-01-extra`)).toBeUndefined();
  });
});

describe('a /score/batch body over 1 MiB (parsed item by item)', () => {
  const item = (i: number) => ({ ...scoreBody(`b${i % 7}`), candidates: CANDIDATES });
  const big = (n: number) => Array.from({ length: n }, (_, i) => item(i));

  it('gives the same results, in order, as the same items parsed at once', async () => {
    const { app } = await testApp({ EGREEDY_EPSILON: '0' });
    const requests: unknown[] = big(4000);
    requests[5] = { user_id: 'bad/id', candidates: CANDIDATES };
    const payload = JSON.stringify({ policy: 'egreedy_v1', requests });
    expect(payload.length).toBeGreaterThan(1024 * 1024);
    const res = await app.inject({
      method: 'POST',
      url: '/score/batch',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(200);
    const { results } = res.json();
    expect(results).toHaveLength(4000);
    expect(results[5].detail[0].loc).toEqual(['body', 'requests', 5, 'user_id']);
    expect(results[6].user_id).toBe('b6');
    expect(results[3999].user_id).toBe(`b${3999 % 7}`);
    // A small batch of the same items ranks them the same way.
    const small = await app.inject({
      method: 'POST',
      url: '/score/batch',
      payload: { policy: 'egreedy_v1', requests: [item(6)] },
    });
    expect(small.json().results[0].ranked.map((r: { id: string }) => r.id)).toEqual(
      results[6].ranked.map((r: { id: string }) => r.id),
    );
  });

  it('refuses what a single parse refuses: a broken item, __proto__ keys; a repeated key keeps JSON semantics', async () => {
    const { app } = await testApp();
    const send = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/score/batch',
        headers: { 'content-type': 'application/json' },
        payload,
      });
    const items = JSON.stringify(big(4000)).slice(1, -1);
    const broken = await send(`{"policy":"egreedy_v1","requests":[${items},]}`);
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toBe('bad_request');
    const poisoned = await send(`{"policy":"egreedy_v1","requests":[${items},{"__proto__":{"x":1}}]}`);
    expect(poisoned.statusCode).toBe(400);
    // The last "requests" wins, as in JSON.parse: here it is empty, so the batch is refused as empty.
    const repeated = await send(`{"policy":"egreedy_v1","requests":[${items}],"requests":[]}`);
    expect(repeated.statusCode).toBe(422);
    expect(repeated.json().detail[0].loc).toEqual(['body', 'requests']);
  });
});
