import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circularMeanHour, hourDistance } from '../../src/agents/circular-mean.js';
import { TimeOfDayPrefs, timeOfDayAgent } from '../../src/agents/time-of-day-agent.js';
import { UserHistory } from '../../src/agents/user-history.js';
import { localTime } from '../../src/features/local-time.js';
import { numpy } from '../helpers/numpy.js';

const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
];
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

// Timestamps over two years, DST changes included; clustered around a random hour so means are defined.
const caseArb = fc.record({
  tz: fc.constantFrom(...ZONES),
  centre: fc.integer({ min: 0, max: 23 }),
  spread: fc.constantFrom(0.5, 2, 5, 11),
  events: fc.array(fc.tuple(fc.integer({ min: 0, max: 730 }), fc.double({ min: -1, max: 1, noNaN: true })), {
    minLength: 5,
    maxLength: 40,
  }),
  quiet: fc.option(fc.tuple(hhmm, hhmm), { nil: null }),
});

describe('time_of_day against the numpy/zoneinfo oracle', () => {
  it('agrees on the preferred hour for random histories, zones and quiet windows', async () => {
    const cases = fc.sample(caseArb, { numRuns: 400, seed: 20261125 }).map((c) => {
      const start = Date.UTC(2025, 0, 1);
      const ts = c.events.map(([day, u]) => {
        const hour = (((c.centre + u * c.spread) % 24) + 24) % 24;
        return new Date(start + day * 86_400_000 + Math.round(hour * 3_600_000)).toISOString();
      });
      return { ...c, ts };
    });
    const expected = numpy<{ mean: number | null; preferred_hour: number | null }[]>(
      'time_of_day.py',
      cases.map((c) => ({
        ts: c.ts,
        tz: c.tz,
        quiet: c.quiet && [
          Number(c.quiet[0].slice(0, 2)) * 60 + Number(c.quiet[0].slice(3)),
          Number(c.quiet[1].slice(0, 2)) * 60 + Number(c.quiet[1].slice(3)),
        ],
      })),
    );
    let compared = 0;
    for (const [i, c] of cases.entries()) {
      const now = Date.UTC(2030, 0, 1);
      const history = new UserHistory(
        c.ts.map((t) => ({ ts: Date.parse(t), kind: 'done' as const })),
        now,
      );
      const prefs = TimeOfDayPrefs.parse(c.quiet ? { quiet_start: c.quiet[0], quiet_end: c.quiet[1] } : {});
      const want = expected[i]!;
      const mean = circularMeanHour(history.events.map((e) => localTime(e.ts, c.tz).h));
      if (want.mean === null || mean === null) {
        expect(mean).toBe(want.mean);
        continue;
      }
      expect(hourDistance(mean, want.mean)).toBeLessThan(1e-9);
      // A mean within 1e-9 of a half hour could round either way in the two implementations.
      if (Math.abs((mean % 1) - 0.5) < 1e-9) continue;
      const got = await timeOfDayAgent.infer({
        userId: 'u',
        history,
        events: history.events,
        prefs,
        timezone: c.tz,
        now,
      });
      expect(got, JSON.stringify(c)).toEqual({ preferred_hour: want.preferred_hour });
      compared++;
    }
    // fast-check favours the ends of ranges (u = ±1 with spread 0.5): some means fall on a half hour.
    expect(compared).toBeGreaterThan(300);
  });
});
