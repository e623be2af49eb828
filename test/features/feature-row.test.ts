import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEATURE_WIDTH, featureMatrix, localTime } from '../../src/features/mod.js';
import { pythonFeatureRows } from '../helpers/features-oracle.js';

const ms = (iso: string) => Date.parse(iso);
const row = (
  now: string,
  tz: string,
  cand: { priority: number; created_at: string; due_at?: string | null },
) =>
  Array.from(
    featureMatrix({ now: ms(now), timezone: tz, profile: null }, [
      {
        priority: cand.priority,
        createdAt: ms(cand.created_at),
        dueAt: cand.due_at ? ms(cand.due_at) : null,
      },
    ]),
  );

describe('local time', () => {
  it('follows the Europe/Berlin DST switch of 2026-03-29 (02:00 CET → 03:00 CEST)', () => {
    expect(localTime(ms('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toEqual({ h: 1.5, dow: 6 });
    // One real hour later the wall clock has jumped two hours.
    expect(localTime(ms('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toEqual({ h: 3.5, dow: 6 });
    // And back in October: 01:30Z is 02:30 CET after 02:30 CEST happened at 00:30Z.
    expect(localTime(ms('2026-10-25T00:30:00Z'), 'Europe/Berlin').h).toBe(2.5);
    expect(localTime(ms('2026-10-25T01:30:00Z'), 'Europe/Berlin').h).toBe(2.5);
  });

  it('puts a user in a negative offset on the previous local day', () => {
    // Tuesday 03:00 UTC is Monday 22:00 in New York (UTC−5 in November).
    expect(localTime(ms('2026-11-24T03:00:00Z'), 'America/New_York')).toEqual({ h: 22, dow: 0 });
    expect(localTime(ms('2026-11-24T03:00:00Z'), 'UTC')).toEqual({ h: 3, dow: 1 });
  });

  it('counts seconds as a fraction of the hour, Monday = 0 … Sunday = 6', () => {
    expect(localTime(ms('2026-11-29T23:59:59Z'), 'UTC')).toEqual({ h: 23 + 59 / 60 + 59 / 3600, dow: 6 });
    expect(localTime(ms('2026-11-30T00:00:00Z'), 'UTC')).toEqual({ h: 0, dow: 0 });
  });
});

describe('feature row (CONTRACT §2)', () => {
  it('computes each feature by its formula', () => {
    const x = row('2026-11-24T09:30:00Z', 'Europe/Berlin', {
      priority: 3,
      created_at: '2026-11-09T09:30:00Z',
      due_at: '2026-11-24T09:29:59Z',
    });
    const h = 10.5; // 09:30Z is 10:30 in Berlin
    const dow = 1; // Tuesday
    expect(x.length).toBe(FEATURE_WIDTH);
    expect(x[0]).toBe(Math.sin((2 * Math.PI * h) / 24));
    expect(x[1]).toBe(Math.cos((2 * Math.PI * h) / 24));
    expect(x[2]).toBe(1); // due one second before now
    expect(x[3]).toBe(0.5); // 15 days / 30
    expect(x[4]).toBe(0.75);
    expect(x[5]).toBe(Math.sin((2 * Math.PI * dow) / 7));
    expect(x[6]).toBe(Math.cos((2 * Math.PI * dow) / 7));
  });

  it('clamps task_age to [0, 1] and treats due_at == now as not overdue', () => {
    const future = row('2026-11-24T00:00:00Z', 'UTC', {
      priority: 0,
      created_at: '2026-12-01T00:00:00Z',
      due_at: '2026-11-24T00:00:00Z',
    });
    expect(future[2]).toBe(0);
    expect(future[3]).toBe(0);
    const old = row('2026-11-24T00:00:00Z', 'UTC', { priority: 4, created_at: '2025-01-01T00:00:00Z' });
    expect(old[3]).toBe(1);
    expect(old[2]).toBe(0);
  });

  it('matches an independent Python zoneinfo implementation on random inputs', () => {
    const zones = [
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'America/St_Johns',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
    ];
    const instant = fc.integer({ min: ms('2024-01-01T00:00:00Z'), max: ms('2028-12-31T00:00:00Z') });
    const sample = fc.array(
      fc.record({
        now: instant,
        tz: fc.constantFrom(...zones),
        created: instant,
        due: fc.option(instant, { nil: null }),
        priority: fc.integer({ min: 0, max: 4 }),
        profile: fc.option(
          fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 5, maxLength: 5 }),
          { nil: null },
        ),
      }),
      { minLength: 200, maxLength: 200 },
    );
    fc.assert(
      fc.property(sample, (cases) => {
        const expected = pythonFeatureRows(cases);
        cases.forEach((c, i) => {
          const got = Array.from(
            featureMatrix({ now: c.now, timezone: c.tz, profile: c.profile }, [
              { priority: c.priority, createdAt: c.created, dueAt: c.due },
            ]),
          );
          for (const [j, v] of expected[i]!.entries()) expect(got[j]).toBeCloseTo(v, 12);
        });
      }),
      { numRuns: 5 },
    );
  });
});
