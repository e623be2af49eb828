import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/net/ports.js';
import { logCapture } from '../helpers/log-capture.js';
import { completionBody, startStandInGateway } from '../helpers/stand-in-gateway.js';
import { testApp } from '../helpers/test-app.js';

const KEY = 'sk-never-log-me-9c41d7';

describe('/generate logging', () => {
  it('logs token usage and never the master key, whatever the gateway does', async () => {
    // Each call gets the next behaviour; the failing ones echo our Authorization header back at us,
    // as a careless proxy or a debug endpoint would.
    const behaviours: ((auth: string) => [number, string, string])[] = [
      () => [200, 'application/json', completionBody('{"tips": ["Tip one.", "Tip two."]}')],
      (auth) => [500, 'application/json', JSON.stringify({ error: `bad key ${auth}` })],
      (auth) => [200, 'text/plain', `not json, got ${auth}`],
      (auth) => [200, 'application/json', completionBody(`{"tips": [], "echo": "${auth}"`)],
      (auth) => [401, 'text/plain', `${auth} is not allowed`],
    ];
    let i = 0;
    const gateway = await startStandInGateway((call, res) => {
      const b = behaviours[i++];
      if (!b) return; // later calls hang: the timeout and the disconnect cases
      const [status, type, text] = b(String(call.headers.authorization));
      res.writeHead(status, { 'content-type': type });
      res.end(text);
    });
    const logs = logCapture();
    const { app } = await testApp(
      { LITELLM_URL: gateway.url, LITELLM_MASTER_KEY: KEY, LOG_LEVEL: 'trace', GENERATE_TIMEOUT_MS: '2000' },
      { logDestination: logs.stream },
    );
    const payload = { user_id: 'u1', context: { note: 'hello' }, n: 2 };
    const statuses: number[] = [];
    for (let k = 0; k < behaviours.length + 1; k++) {
      const res = await app.inject({ method: 'POST', url: '/generate', payload });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 502, 502, 502, 502, 504]);

    // A client that goes away mid-call.
    const base = await app.listen({ port: await freePort(), host: '127.0.0.1' });
    const req = httpRequest(`${base}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(payload));
    const call = await gateway.call(behaviours.length + 1);
    req.destroy();
    await call.cancelled;
    await app.close();

    expect(gateway.calls.every((c) => c.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const text = JSON.stringify(logs.lines);
    expect(logs.lines.length).toBeGreaterThan(10);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(KEY.slice(3)); // not even without its prefix

    const lines = logs.lines;
    const generated = lines.find((l) => l['msg'] === 'tips generated');
    expect(generated).toMatchObject({
      user_id: 'u1',
      prompt_version: 'v1',
      model: 'stand-in-model',
      usage: { prompt_tokens: 120, completion_tokens: 45, total_tokens: 165 },
      requested: 2,
      returned: 2,
    });
    // An answered but unusable reply still cost tokens: they are logged too.
    const unusable = lines.find((l) => l['msg'] === 'gateway reply holds no usable tip');
    expect(unusable?.['usage']).toEqual({ prompt_tokens: 120, completion_tokens: 45, total_tokens: 165 });
    // The scrubbed echo is logged (so the failure can be diagnosed), with the key replaced.
    const failed = lines.find((l) => l['msg'] === 'gateway answered an error' && l['status'] === 500);
    expect(String(failed?.['body'])).toContain('Bearer [redacted]');
    expect(lines.some((l) => l['msg'] === 'client went away; gateway call cancelled')).toBe(true);
  });
});
