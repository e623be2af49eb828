import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ScoreRequest,
  ScoreRequestWithProfile,
  scoreRequestRefinementsHold,
} from '../../src/contract/mod.js';
import { CompiledValidation } from '../../src/http/compiled-validator.js';
import { scoreBody, testApp } from '../helpers/test-app.js';

// Each field is valid most of the time and else a value near one of its rules' edges, so that bodies of
// both verdicts (and bodies broken in exactly one place) are common.
const mostly = <T, U>(valid: fc.Arbitrary<T>, edgy: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: edgy });

const ALNUM = [...'abcXYZ019._@:-/ é😀'];
const userId = mostly(
  fc.stringMatching(/^[A-Za-z0-9_@:-][A-Za-z0-9._@:-]{0,20}$/),
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 0, maxLength: 130 }),
    fc.constantFrom('u1', '.hidden', 'a'.repeat(128), 'a'.repeat(129), ''),
    fc.integer(),
    fc.constant(null),
  ),
);
const isoDate = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const timestamp = mostly(
  fc.oneof(
    isoDate,
    fc.constantFrom(
      '2026-11-24T09:30:00Z',
      '2026-11-24T09:30:00+01:00',
      '2026-11-24T09:30:00.123456789-05:30',
      '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
    ),
  ),
  fc.oneof(
    fc.constantFrom(
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-11-24T24:00:00Z',
      '2026-11-24T09:30:60Z',
      '2026-11-24T09:30:00',
      '2026-11-24t09:30:00z',
      '2026-11-24 09:30:00Z',
      '2026-11-24T09:30Z',
      '2026-11-24T09:30:00+0100',
      '2026-11-24T09:30:00+24:00',
      '2026-11-24T09:30:00.Z',
      '2026-11-24',
      '',
    ),
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.constant(null),
  ),
);
const timezone = mostly(
  fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'),
  fc.oneof(
    fc.constantFrom('Mars/Olympus', 'utc', '', 'x'.repeat(65)),
    fc.string({ maxLength: 70 }),
    fc.integer(),
  ),
);
const candidateId = mostly(
  fc.constantFrom('t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7'),
  fc.oneof(
    fc.constantFrom(
      '',
      'a'.repeat(256),
      'a'.repeat(257),
      '😀'.repeat(128),
      '😀'.repeat(129),
      '😀'.repeat(64),
    ),
    fc.string({ unit: 'grapheme', maxLength: 5 }),
    fc.integer(),
  ),
);
const priority = mostly(
  fc.integer({ min: 0, max: 4 }),
  fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double({ min: -1, max: 5 }), fc.constantFrom('2', null, true)),
);
const candidate = mostly(
  fc.record(
    {
      id: candidateId,
      priority,
      created_at: timestamp,
      due_at: mostly(fc.oneof(timestamp, fc.constant(null)), fc.constant(undefined)),
    },
    { requiredKeys: ['id', 'priority', 'created_at'] },
  ),
  fc.oneof(
    fc.record(
      { id: candidateId, priority, created_at: timestamp, extra: fc.anything() },
      { requiredKeys: [] },
    ),
    fc.constantFrom(null, 'c', 3, [] as unknown[]),
  ),
);
const profile = mostly(
  fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 5, maxLength: 5 }),
  fc.oneof(
    fc.array(fc.double(), { minLength: 4, maxLength: 6 }),
    fc.array(fc.oneof(fc.double(), fc.constantFrom('1', null)), { minLength: 5, maxLength: 5 }),
    fc.constant(null),
  ),
);
const body = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record(
      {
        user_id: userId,
        now: timestamp,
        timezone,
        candidates: mostly(
          fc.uniqueArray(candidate, {
            minLength: 1,
            maxLength: 6,
            selector: (c) => (c && typeof c === 'object' && 'id' in c ? c.id : c),
          }),
          fc.oneof(fc.array(candidate, { minLength: 0, maxLength: 6 }), fc.constant({})),
        ),
        profile_features: profile,
        other: fc.anything(),
      },
      { requiredKeys: ['user_id', 'candidates'] },
    ),
  },
  { weight: 1, arbitrary: fc.anything() },
);
// Bodies as they arrive: parsed JSON (no undefined, no NaN, no functions).
const wire = body.map((b) => JSON.parse(JSON.stringify(b) ?? 'null') as unknown);

function sameVerdicts(schema: z.ZodType) {
  const compiled = new CompiledValidation().compile(schema, scoreRequestRefinementsHold);
  fc.assert(
    fc.property(wire, (b) => {
      const z = schema.safeParse(b);
      expect(compiled(b), `${JSON.stringify(b)} ${JSON.stringify(z.error?.issues)}`).toBe(z.success);
    }),
    { numRuns: 4000 },
  );
}

describe('compiled body validators', () => {
  it('accept and reject exactly the score requests zod does', () => sameVerdicts(ScoreRequest));
  it('accept and reject exactly the score requests with a profile zod does', () =>
    sameVerdicts(ScoreRequestWithProfile));

  it('see bodies of both verdicts in the generated sample (the property is not vacuous)', () => {
    const sample = fc.sample(wire, { numRuns: 4000, seed: 1 });
    const accepted = sample.filter((b) => ScoreRequest.safeParse(b).success).length;
    expect(accepted).toBeGreaterThan(40);
    expect(sample.length - accepted).toBeGreaterThan(40);
  });

  it('leave the 422 detail of a refused body as zod states it', async () => {
    const { app } = await testApp();
    const cases = [
      scoreBody('u1', { timezone: 'Mars/Olympus' }),
      {
        ...scoreBody('u1'),
        candidates: [
          { id: 'a', priority: 1, created_at: '2026-11-24T09:30:00Z' },
          { id: 'a', priority: 9, created_at: 'x' },
        ],
      },
    ];
    for (const payload of cases) {
      const res = await app.inject({ method: 'POST', url: '/score/egreedy', payload });
      expect(res.statusCode).toBe(422);
      const expected = ScoreRequest.safeParse(payload);
      expect(expected.success).toBe(false);
      expect(res.json().detail.map((d: { loc: unknown[] }) => d.loc)).toEqual(
        expected.error!.issues.map((i) => ['body', ...i.path]),
      );
    }
  });
});
