import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localTime, localTimeExact } from '../../src/features/local-time.js';
import { featureMatrix } from '../../src/features/mod.js';
import { pythonFeatureRows } from '../helpers/features-oracle.js';

// Whole-hour, half-hour and 45-minute offsets; DST shifts of one hour, of 30 minutes (Lord Howe), at
// midnight (Santiago, Havana), southern-hemisphere ones, and zones that dropped or changed DST.
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/St_Johns',
  'America/Santiago',
  'America/Havana',
  'Asia/Kolkata',
  'Asia/Tehran',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Africa/Casablanca',
];
const HOUR = 3_600_000;
const offsetOf = (t: number, tz: string) => {
  const { h } = localTimeExact(t, tz);
  return Math.round(((h - ((t / HOUR) % 24) + 48) % 24) * 60);
};

/** Instants from 2 h before to 2 h after every offset change of 2025–2026, one every 61 s. */
function aroundTransitions(tz: string): number[] {
  const out: number[] = [];
  const from = Date.UTC(2025, 0, 1);
  const to = Date.UTC(2027, 0, 1);
  for (let t = from; t < to; t += HOUR) {
    if (offsetOf(t, tz) === offsetOf(t + HOUR, tz)) continue;
    for (let s = t - 2 * HOUR; s < t + 3 * HOUR; s += 61_000) out.push(s);
  }
  return out;
}

describe('cached local time', () => {
  it('equals ICU on every call around each DST switch of 2025–2026, in order and shuffled', () => {
    let switches = 0;
    for (const tz of ZONES) {
      const instants = aroundTransitions(tz);
      if (instants.length > 0) switches++;
      for (const t of instants)
        expect(localTime(t, tz), `${tz} ${new Date(t).toISOString()}`).toEqual(localTimeExact(t, tz));
      // Out of order: the cache is keyed by hour, so a jump back must not reuse a later hour's offset.
      for (let i = instants.length - 1; i >= 0; i -= 7) {
        const t = instants[i]!;
        expect(localTime(t, tz)).toEqual(localTimeExact(t, tz));
      }
    }
    expect(switches).toBeGreaterThanOrEqual(9);
  });

  it('equals ICU on random instants and zones, 1800–2300 (the cache covers 1900–2200)', () => {
    const instant = fc.integer({ min: Date.UTC(1800, 0, 1), max: Date.UTC(2300, 0, 1) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(instant, fc.constantFrom(...ZONES)), { minLength: 1, maxLength: 50 }),
        (calls) => {
          for (const [t, tz] of calls) expect(localTime(t, tz)).toEqual(localTimeExact(t, tz));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches Python zoneinfo at the DST switches (hour and weekday features)', () => {
    const cases: { now: number; tz: string }[] = [];
    for (const tz of ZONES) {
      const instants = aroundTransitions(tz);
      for (let i = 0; i < instants.length; i += 9) cases.push({ now: instants[i]!, tz });
    }
    expect(cases.length).toBeGreaterThan(500);
    const iso = (t: number) => new Date(t).toISOString();
    const expected = pythonFeatureRows(
      cases.map((c) => ({ ...c, created: c.now, due: null, priority: 0, profile: null })),
    );
    cases.forEach((c, i) => {
      const got = featureMatrix({ now: c.now, timezone: c.tz, profile: null }, [
        { priority: 0, createdAt: c.now, dueAt: null },
      ]);
      for (const j of [0, 1, 5, 6])
        expect(got[j], `${c.tz} ${iso(c.now)} [${j}]`).toBeCloseTo(expected[i]![j]!, 12);
    });
  });
});
