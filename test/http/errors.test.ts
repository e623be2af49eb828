import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { scoreBody, testApp } from '../helpers/test-app.js';

const expectContractError = (res: LightMyRequestResponse, status: number, code: string) => {
  expect(res.statusCode, res.body).toBe(status);
  const body = res.json();
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
};

describe('CONTRACT §1 error cases', () => {
  it('malformed JSON is 400 bad_request', async () => {
    const { app } = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/score',
      headers: { 'content-type': 'application/json' },
      payload: '{"user_id": "u1", ',
    });
    expectContractError(res, 400, 'bad_request');
  });

  it('a body over BODY_LIMIT is 413 payload_too_large', async () => {
    const { app } = await testApp({ BODY_LIMIT: '1024' });
    const res = await app.inject({
      method: 'POST',
      url: '/score',
      payload: scoreBody('u1', { pad: 'x'.repeat(2000) }),
    });
    expectContractError(res, 413, 'payload_too_large');
  });

  it('an unknown route is 404 not_found, also for a known path with another method', async () => {
    const { app } = await testApp();
    expectContractError(await app.inject({ method: 'GET', url: '/nope' }), 404, 'not_found');
    expectContractError(await app.inject({ method: 'GET', url: '/score' }), 404, 'not_found');
  });

  it('validation errors are 422 with a FastAPI-style detail naming the field', async () => {
    const { app } = await testApp();
    const bad = scoreBody('u1', {
      candidates: [{ id: 't1', priority: 9, created_at: '2026-11-20T08:00:00Z' }],
    });
    const res = await app.inject({ method: 'POST', url: '/score', payload: bad });
    expectContractError(res, 422, 'validation_error');
    const detail = res.json().detail;
    expect(detail[0].loc).toEqual(['body', 'candidates', 0, 'priority']);
    expect(typeof detail[0].msg).toBe('string');
    expect(typeof detail[0].type).toBe('string');
  });

  it.each([
    ['no candidates', { candidates: [] }, ['body', 'candidates']],
    ['a timestamp without offset', { now: '2026-11-24T09:30:00' }, ['body', 'now']],
    ['an unknown timezone', { timezone: 'Mars/Olympus' }, ['body', 'timezone']],
    ['a user id with a slash', { user_id: 'a/b' }, ['body', 'user_id']],
    ['a user id starting with a dot', { user_id: '.hidden' }, ['body', 'user_id']],
    ['four profile features', { profile_features: [1, 2, 3, 4] }, ['body', 'profile_features']],
  ])('rejects %s with 422 at its location', async (_name, extra, loc) => {
    const { app } = await testApp();
    const res = await app.inject({
      method: 'POST',
      url: '/score/egreedy/v2',
      payload: scoreBody('u1', extra),
    });
    expectContractError(res, 422, 'validation_error');
    expect(res.json().detail.map((d: { loc: unknown }) => d.loc)).toContainEqual(loc);
  });

  it('a path parameter that is not a user id is 422 at ["path", "user_id"]', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'GET', url: `/stats/${encodeURIComponent('..%2f..%2fetc')}` });
    expectContractError(res, 422, 'validation_error');
    expect(res.json().detail[0].loc).toEqual(['path', 'user_id']);
  });

  it('rewards outside [-1, 1] or not finite are 422', async () => {
    const { app } = await testApp();
    for (const reward of [1.5, -2, '1', null]) {
      const res = await app.inject({
        method: 'POST',
        url: '/reward',
        payload: { user_id: 'u1', reward, event_id: 'e', candidate_id: 't1' },
      });
      expectContractError(res, 422, 'validation_error');
    }
  });

  it('a reward needs exactly one of event_id+candidate_id or candidate', async () => {
    const { app } = await testApp();
    for (const payload of [
      { user_id: 'u1', reward: 1 },
      { user_id: 'u1', reward: 1, event_id: 'e1' },
    ]) {
      expectContractError(
        await app.inject({ method: 'POST', url: '/reward', payload }),
        422,
        'validation_error',
      );
    }
  });
});

describe('/reset (admin)', () => {
  it('requires the bearer token when ADMIN_TOKEN is set', async () => {
    const { app } = await testApp({ ADMIN_TOKEN: 's3cret' });
    expectContractError(await app.inject({ method: 'POST', url: '/reset/u1' }), 401, 'unauthorized');
    expectContractError(
      await app.inject({ method: 'POST', url: '/reset/u1', headers: { authorization: 'Bearer s3cre' } }),
      401,
      'unauthorized',
    );
    const ok = await app.inject({
      method: 'POST',
      url: '/reset/u1',
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ user_id: 'u1', reset: true });
  });
});

describe('media types', () => {
  it('a body that is not application/json is 415 unsupported_media_type', async () => {
    const { app } = await testApp();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await app.inject({
        method: 'POST',
        url: '/score',
        headers: { 'content-type': type },
        payload: 'x',
      });
      expectContractError(res, 415, 'unsupported_media_type');
    }
  });
});
