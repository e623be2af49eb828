import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Agent } from '../../src/agents/agent.js';
import { AgentRegistry, builtInAgents } from '../../src/agents/agent-registry.js';
import { logCapture } from '../helpers/log-capture.js';
import { testApp } from '../helpers/test-app.js';

type Kind = 'shown' | 'accepted' | 'dismissed' | 'done';
const at = (times: string[], kind: Kind = 'accepted', day = '2026-11-1') =>
  times.map((t, i) => ({ ts: `${day}${i % 9}T${t}:00Z`, kind }));

const infer = (body: Record<string, unknown>, agent = 'time_of_day') => ({
  method: 'POST' as const,
  url: `/agents/${agent}/infer`,
  payload: { user_id: 'u1', now: '2026-11-25T12:00:00Z', ...body },
});

describe('POST /agents/time_of_day/infer', () => {
  it('answers ok with the circular mean of positive events: 23:00 and 01:00 give midnight', async () => {
    const { app } = await testApp();
    const history = [
      ...at(['23:00', '01:00', '23:30', '00:30', '00:00']),
      ...at(['12:00', '13:00'], 'shown'),
    ];
    const res = await app.inject(infer({ history }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      agent_id: 'time_of_day',
      agent_version: '1.1.0',
      status: 'ok',
      inferred: { preferred_hour: 0 },
      n_events: 7,
      n_used: 5,
    });
  });

  it('counts accepted and done as positive, not shown or dismissed', async () => {
    const { app } = await testApp();
    const history = [
      ...at(['09:00', '09:30', '10:00'], 'accepted'),
      ...at(['10:30', '09:00'], 'done'),
      ...at(['20:00', '21:00', '22:00', '20:00', '21:00', '22:00'], 'dismissed'),
      ...at(['03:00', '03:00', '03:00'], 'shown'),
    ];
    const res = await app.inject(infer({ history }));
    expect(res.json()).toMatchObject({
      status: 'ok',
      inferred: { preferred_hour: 10 },
      n_events: 14,
      n_used: 5,
    });
  });

  it('reads hours in the user time zone', async () => {
    const { app } = await testApp();
    // 22:00 UTC is 07:00 in Tokyo and 17:00 in New York (EST in November).
    const history = at(['22:00', '22:00', '22:00', '22:00', '22:00']);
    const tokyo = await app.inject(infer({ history, timezone: 'Asia/Tokyo' }));
    expect(tokyo.json().inferred).toEqual({ preferred_hour: 7 });
    const ny = await app.inject(infer({ history, timezone: 'America/New_York' }));
    expect(ny.json().inferred).toEqual({ preferred_hour: 17 });
    const utc = await app.inject(infer({ history }));
    expect(utc.json().inferred).toEqual({ preferred_hour: 22 });
  });

  it('answers cold_start with null below min_history positive events', async () => {
    const { app } = await testApp();
    const history = [
      ...at(['09:00', '09:00', '09:00', '09:00']),
      ...at(['09:00', '09:00', '09:00'], 'shown'),
    ];
    const res = await app.inject(infer({ history }));
    expect(res.json()).toEqual({
      agent_id: 'time_of_day',
      agent_version: '1.1.0',
      status: 'cold_start',
      inferred: { preferred_hour: null },
      n_events: 7,
      n_used: 4,
    });
    const empty = await app.inject(infer({ history: [] }));
    expect(empty.json()).toMatchObject({
      status: 'cold_start',
      inferred: { preferred_hour: null },
      n_events: 0,
    });
  });

  it('leaves out events after now', async () => {
    const { app } = await testApp();
    const history = [
      ...at(['09:00', '09:00', '09:00', '09:00']),
      { ts: '2026-11-26T09:00:00Z', kind: 'done' },
    ];
    const res = await app.inject(infer({ history }));
    expect(res.json()).toMatchObject({ status: 'cold_start', n_events: 4, n_used: 4 });
    const later = await app.inject(infer({ history, now: '2026-11-27T00:00:00Z' }));
    expect(later.json()).toMatchObject({ status: 'ok', inferred: { preferred_hour: 9 }, n_events: 5 });
  });

  it('moves the result out of quiet hours, windows wrapping midnight included', async () => {
    const { app } = await testApp();
    const cases: [string[], string, string, number][] = [
      [['23:00', '23:00', '23:00', '23:00', '23:00'], '22:00', '07:00', 21],
      [['01:00', '01:00', '01:00', '01:00', '01:00'], '23:00', '06:00', 22],
      [['05:00', '05:30', '05:00', '05:30', '05:15'], '22:00', '07:00', 7],
      [['02:00', '02:00', '02:00', '02:00', '02:00'], '22:00', '07:00', 7], // tie: after the window
      [['13:00', '13:00', '13:00', '13:00', '13:00'], '12:00', '14:00', 14],
      [['12:00', '12:00', '12:00', '12:00', '12:00'], '12:00', '14:00', 11],
      [['22:00', '22:00', '22:00', '22:00', '22:00'], '22:30', '06:00', 21],
      [['15:00', '15:00', '15:00', '15:00', '15:00'], '22:00', '07:00', 15],
      [['23:00', '01:00', '23:30', '00:30', '00:00'], '23:00', '05:00', 22],
    ];
    for (const [times, quiet_start, quiet_end, expected] of cases) {
      const res = await app.inject(infer({ history: at(times), agent_prefs: { quiet_start, quiet_end } }));
      expect(res.json(), `${times[0]} in ${quiet_start}-${quiet_end}`).toMatchObject({
        status: 'ok',
        inferred: { preferred_hour: expected },
      });
    }
  });

  it('ignores other agents’ prefs, and answers null when the quiet window leaves no hour', async () => {
    const { app } = await testApp();
    const history = at(['09:00', '09:00', '09:00', '09:00', '09:00']);
    const other = await app.inject(infer({ history, agent_prefs: { tone: 'casual', quiet_start: null } }));
    expect(other.json()).toMatchObject({ status: 'ok', inferred: { preferred_hour: 9 } });
    const none = await app.inject(
      infer({ history, agent_prefs: { quiet_start: '00:30', quiet_end: '00:15' } }),
    );
    expect(none.json()).toMatchObject({ status: 'ok', inferred: { preferred_hour: null } });
  });

  it('rejects unusable prefs and bodies with 422 at their place', async () => {
    const { app } = await testApp();
    const history = at(['09:00']);
    const cases: [Record<string, unknown>, (string | number)[]][] = [
      [
        { history, agent_prefs: { quiet_start: '7pm', quiet_end: '07:00' } },
        ['body', 'agent_prefs', 'quiet_start'],
      ],
      [
        { history, agent_prefs: { quiet_start: '22:00', quiet_end: '24:00' } },
        ['body', 'agent_prefs', 'quiet_end'],
      ],
      [{ history, agent_prefs: { quiet_start: '22:00' } }, ['body', 'agent_prefs', 'quiet_end']],
      [{ history, agent_prefs: { quiet_end: '07:00' } }, ['body', 'agent_prefs', 'quiet_start']],
      [{ history: [{ ts: '2026-11-20T09:00:00Z', kind: 'liked' }] }, ['body', 'history', 0, 'kind']],
      [{ history: [{ ts: 'yesterday', kind: 'done' }] }, ['body', 'history', 0, 'ts']],
      [{ history, timezone: 'Mars/Olympus' }, ['body', 'timezone']],
      [{}, ['body', 'history']],
      [{ history, user_id: '.hidden' }, ['body', 'user_id']],
    ];
    for (const [body, loc] of cases) {
      const res = await app.inject(infer(body));
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().detail[0].loc, JSON.stringify(body)).toEqual(loc);
    }
  });

  it('answers 404 for an unknown agent, whatever the body', async () => {
    const { app } = await testApp();
    const res = await app.inject(infer({ history: [] }, 'mood'));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'unknown agent "mood"' });
    const bad = await app.inject({ method: 'POST', url: '/agents/mood/infer', payload: { nonsense: true } });
    expect(bad.statusCode).toBe(404);
  });

  it('lists the registry', async () => {
    const { app } = await testApp();
    const res = await app.inject({ method: 'GET', url: '/agents' });
    expect(res.json()).toEqual({
      agents: [
        {
          agent_id: 'time_of_day',
          agent_version: '1.1.0',
          inferred_params: ['preferred_hour'],
          min_history: 5,
        },
      ],
    });
  });
});

describe('the inference framework', () => {
  const base = {
    version: '0.0.1',
    inferredParams: ['a', 'b'],
    minHistory: 1,
    prefsSchema: z.looseObject({}),
    outputSchema: z.object({ a: z.number(), b: z.string() }),
    countedEvents: (h: { events: readonly unknown[] }) => h.events,
  };
  const throwing = {
    ...base,
    id: 'throws',
    infer: () => {
      throw new Error('agent bug: index out of range');
    },
  } as unknown as Agent;
  const rejecting = {
    ...base,
    id: 'rejects',
    infer: async () => Promise.reject(new Error('async agent bug')),
  } as unknown as Agent;
  const wrongShape = {
    ...base,
    id: 'wrong_shape',
    infer: () => ({ a: 'not a number', b: 'x' }),
  } as unknown as Agent;

  it('answers fallback with nulls and logs an error when an agent throws or answers nonsense; never a 500', async () => {
    const logs = logCapture();
    const { app } = await testApp(
      { LOG_LEVEL: 'info' },
      {
        agents: new AgentRegistry([...builtInAgents(), throwing, rejecting, wrongShape]),
        logDestination: logs.stream,
      },
    );
    for (const id of ['throws', 'rejects', 'wrong_shape']) {
      const res = await app.inject(infer({ history: at(['09:00', '10:00']) }, id));
      expect(res.statusCode, id).toBe(200);
      expect(res.json()).toEqual({
        agent_id: id,
        agent_version: '0.0.1',
        status: 'fallback',
        inferred: { a: null, b: null },
        n_events: 2,
        n_used: 2,
      });
    }
    // The built-in agent still works beside them.
    const ok = await app.inject(infer({ history: at(['09:00', '09:00', '09:00', '09:00', '09:00']) }));
    expect(ok.json().status).toBe('ok');

    const lines = logs.lines;
    const errors = lines.filter((l) => l['level'] === 'error');
    expect(errors.map((l) => l['agent_id'])).toEqual(['throws', 'rejects', 'wrong_shape']);
    expect(errors[0]).toMatchObject({ user_id: 'u1', err: { message: 'agent bug: index out of range' } });
    // One structured line per inference, whatever its status.
    const summaries = lines.filter((l) => l['msg'] === 'agent inference');
    expect(summaries.map((l) => [l['agent_id'], l['status']])).toEqual([
      ['throws', 'fallback'],
      ['rejects', 'fallback'],
      ['wrong_shape', 'fallback'],
      ['time_of_day', 'ok'],
    ]);
    expect(summaries[3]).toMatchObject({ agent_version: '1.1.0', n_events: 5, n_used: 5, min_history: 5 });
  });

  it('does not run the agent below min_history: cold start even for an agent that would throw', async () => {
    const { app } = await testApp(
      {},
      { agents: new AgentRegistry([{ ...throwing, minHistory: 3 } as Agent]) },
    );
    const res = await app.inject(infer({ history: at(['09:00', '10:00']) }, 'throws'));
    expect(res.json()).toMatchObject({ status: 'cold_start', inferred: { a: null, b: null } });
  });

  it('refuses two agents with one id', () => {
    expect(() => new AgentRegistry([throwing, throwing])).toThrow(/twice/);
  });
});
