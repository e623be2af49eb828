import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/net/ports.js';
import {
  completionBody,
  type GatewayBehaviour,
  replyWith,
  startStandInGateway,
} from '../helpers/stand-in-gateway.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

const KEY = 'sk-test-master-key-5f1e';
const body = (extra: Record<string, unknown> = {}) => ({
  user_id: 'u1',
  context: { open_tasks: 12, overdue: 3, focus: 'writing' },
  ...extra,
});

async function appWithGateway(behaviour: GatewayBehaviour, env: Record<string, string> = {}) {
  const gateway = await startStandInGateway(behaviour);
  const { app } = await testApp({ LITELLM_URL: gateway.url, LITELLM_MASTER_KEY: KEY, ...env });
  return { app, gateway };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: await freePort(), host: '127.0.0.1' });
}

/** Fails the test with a message, rather than at vitest's timeout, when `p` does not settle in time. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Never answers: the call stays open until the caller gives up or the stand-in closes. */
const hang: GatewayBehaviour = () => undefined;

describe('POST /generate', () => {
  it('calls the gateway as the contract says and answers the tips with stable ids', async () => {
    const { app, gateway } = await appWithGateway(
      replyWith(
        '{"tips": ["Start with the overdue report.", "Block one hour for writing.", "Close your inbox."]}',
        {
          model: 'gpt-4o-mini-2024',
        },
      ),
    );
    const res = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({ user_id: 'u1', prompt_version: 'v1', model: 'gpt-4o-mini-2024' });
    expect(out.candidates.map((c: { text: string }) => c.text)).toEqual([
      'Start with the overdue report.',
      'Block one hour for writing.',
      'Close your inbox.',
    ]);
    for (const c of out.candidates) expect(c.id).toMatch(/^tip_[0-9a-f]{16}$/);

    expect(gateway.calls).toHaveLength(1);
    const call = gateway.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/v1/chat/completions');
    expect(call.headers.authorization).toBe(`Bearer ${KEY}`);
    const sent = call.body as { model: string; messages: { role: string; content: string }[] };
    expect(sent.model).toBe('tip-generator');
    expect(sent.messages.map((m) => m.role)).toEqual(['system', 'user']);
    const user = sent.messages[1]!.content;
    expect(user).toContain(JSON.stringify(body().context));
    expect(user).toContain('Write 3 distinct tips');

    // The same text gets the same id on the next call.
    const again = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(again.json().candidates).toEqual(out.candidates);
  });

  it('refuses an unusable LITELLM_URL with the config, not at the first request', async () => {
    await expect(testApp({ LITELLM_URL: 'not a url' })).rejects.toThrow(/LITELLM_URL/);
  });

  it('passes a valid traceparent on to the gateway, and nothing else', async () => {
    const { app, gateway } = await appWithGateway(replyWith('["a tip"]'));
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await app.inject({ method: 'POST', url: '/generate', payload: body(), headers: { traceparent } });
    await app.inject({ method: 'POST', url: '/generate', payload: body(), headers: { traceparent: 'junk' } });
    await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(gateway.calls.map((c) => c.headers.traceparent)).toEqual([traceparent, undefined, undefined]);
  });

  it('uses LITELLM_MODEL and asks for n tips', async () => {
    const ok = await appWithGateway(replyWith('["only tip"]'), { LITELLM_MODEL: 'my-alias' });
    const res = await ok.app.inject({ method: 'POST', url: '/generate', payload: body({ n: 1 }) });
    expect(res.statusCode, res.body).toBe(200);
    expect((ok.gateway.calls[0]!.body as { model: string }).model).toBe('my-alias');
    expect((ok.gateway.calls[0]!.body as { messages: { content: string }[] }).messages[1]!.content).toContain(
      'Write 1 distinct tip for',
    );
  });

  it('reads fenced JSON and plain lists, removes duplicates and cuts to n', async () => {
    const replies = [
      '```json\n{"tips": ["Fenced A.", "Fenced B."]}\n```',
      'Here are some tips:\n1. Plain A.\n2. Plain B.\n3. Plain C.\n4. Plain D.',
      '{"tips": ["Same tip.", "same tip", "  SAME TIP!  ", "Other tip."]}',
    ];
    let i = 0;
    const { app } = await appWithGateway((_call, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completionBody(replies[i++]!));
    });
    const fenced = await app.inject({ method: 'POST', url: '/generate', payload: body({ n: 5 }) });
    expect(fenced.json().candidates.map((c: { text: string }) => c.text)).toEqual(['Fenced A.', 'Fenced B.']);
    const plain = await app.inject({ method: 'POST', url: '/generate', payload: body({ n: 3 }) });
    expect(plain.json().candidates.map((c: { text: string }) => c.text)).toEqual([
      'Plain A.',
      'Plain B.',
      'Plain C.',
    ]);
    const dupes = await app.inject({ method: 'POST', url: '/generate', payload: body({ n: 3 }) });
    expect(dupes.json().candidates.map((c: { text: string }) => c.text)).toEqual(['Same tip.', 'Other tip.']);
  });

  it('answers 502 upstream_error when the gateway fails', async () => {
    const { app, gateway } = await appWithGateway((_call, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error": {"message": "provider exploded"}}');
    });
    const res = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ error: 'upstream_error', message: 'the gateway answered HTTP 500' });
    expect(gateway.calls).toHaveLength(1);
  });

  it('answers 502 upstream_error when nothing listens at LITELLM_URL', async () => {
    const { app } = await testApp({ LITELLM_URL: `http://127.0.0.1:${await freePort()}` });
    const res = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toBe('upstream_error');
  });

  it.each([
    ['a body that is not JSON', 'text/html', '<html>bad gateway</html>'],
    ['a completion without choices', 'application/json', '{"model": "m", "choices": []}'],
    ['an empty message', 'application/json', completionBody('   ')],
    ['JSON cut off mid-reply', 'application/json', completionBody('{"tips": ["Start with the')],
    ['a reply with no tip in it', 'application/json', completionBody('{"tips": []}')],
  ])('answers 502 upstream_error for %s', async (_name, type, reply) => {
    const { app } = await appWithGateway((_call, res) => {
      res.writeHead(200, { 'content-type': type });
      res.end(reply);
    });
    const res = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json().error).toBe('upstream_error');
  });

  it('answers 504 upstream_timeout after GENERATE_TIMEOUT_MS, and cancels the gateway call', async () => {
    // Long enough that a loaded CI machine still reaches the gateway before the timeout fires.
    const { app, gateway } = await appWithGateway(hang, { GENERATE_TIMEOUT_MS: '1500' });
    const res = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(res.statusCode).toBe(504);
    expect(res.json()).toEqual({
      error: 'upstream_timeout',
      message: 'the gateway did not answer within 1500 ms',
    });
    await within(gateway.calls[0]!.cancelled, 10_000, 'the gateway call being cancelled');
    expect(gateway.calls[0]!.wasCancelled()).toBe(true);
  });

  it('counts the time to read the reply body against the timeout as well', async () => {
    const { app } = await appWithGateway(
      (_call, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"model": "m", "choices": [');
        // The rest never comes.
      },
      { GENERATE_TIMEOUT_MS: '300' },
    );
    const res = await app.inject({ method: 'POST', url: '/generate', payload: body() });
    expect(res.statusCode).toBe(504);
  });

  it('validates the request: prompt version, n, context size and shape', async () => {
    const { app, gateway } = await appWithGateway(replyWith('["tip"]'));
    const cases: [Record<string, unknown>, (string | number)[]][] = [
      [body({ prompt_version: 'v999' }), ['body', 'prompt_version']],
      [body({ n: 0 }), ['body', 'n']],
      [body({ n: 11 }), ['body', 'n']],
      [body({ n: 2.5 }), ['body', 'n']],
      [body({ context: { blob: 'x'.repeat(16 * 1024) } }), ['body', 'context']],
      [body({ context: ['not', 'an', 'object'] }), ['body', 'context']],
      [{ context: {} }, ['body', 'user_id']],
      [body({ user_id: '../etc' }), ['body', 'user_id']],
    ];
    for (const [payload, loc] of cases) {
      const res = await app.inject({ method: 'POST', url: '/generate', payload });
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(422);
      expect(res.json().error).toBe('validation_error');
      expect(res.json().detail[0].loc).toEqual(loc);
    }
    // A context just under the limit is fine.
    const fits = await app.inject({
      method: 'POST',
      url: '/generate',
      payload: body({ context: { blob: 'x'.repeat(16 * 1024 - 20) } }),
    });
    expect(fits.statusCode, fits.body).toBe(200);
    expect(gateway.calls).toHaveLength(1);
  });

  it('refuses an unknown DEFAULT_PROMPT_VERSION at start, naming the variable', async () => {
    await expect(testApp({ DEFAULT_PROMPT_VERSION: 'v0' })).rejects.toThrow(/DEFAULT_PROMPT_VERSION/);
  });

  it('cancels the gateway call when the client goes away', async () => {
    const { app, gateway } = await appWithGateway(hang, { GENERATE_TIMEOUT_MS: '60000' });
    const base = await listen(app);
    const req = httpRequest(`${base}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body()));
    const call = await gateway.call(0);
    expect(call.wasCancelled()).toBe(false);
    req.destroy();
    // Settles only if the service closed its connection to the gateway; the 60 s timeout plays no part.
    await within(call.cancelled, 10_000, 'the gateway call being cancelled');
    expect(call.wasCancelled()).toBe(true);
  });

  it('keeps scoring while a generate call waits on a slow gateway', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const { app, gateway } = await appWithGateway(
      async (_call, res) => {
        await released;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(completionBody('["late tip"]'));
      },
      { GENERATE_TIMEOUT_MS: '60000' },
    );
    const base = await listen(app);
    let generateDone = false;
    const generating = fetch(`${base}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    }).then(async (r) => {
      generateDone = true;
      return { status: r.status, body: (await r.json()) as { candidates: { text: string }[] } };
    });
    await gateway.call(0);
    for (let i = 0; i < 5; i++) {
      const score = await fetch(`${base}/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(scoreBody(`u${i}`)),
      });
      expect(score.status).toBe(200);
    }
    expect(generateDone).toBe(false);
    release();
    const generated = await generating;
    expect(generated.status).toBe(200);
    expect(generated.body.candidates.map((c) => c.text)).toEqual(['late tip']);
  });
});
