import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circularMeanHour, hourDistance } from '../../src/agents/circular-mean.js';

describe('circularMeanHour', () => {
  it('averages 23:00 and 01:00 to midnight, not noon', () => {
    const mean = circularMeanHour([23, 1])!;
    expect(hourDistance(mean, 0)).toBeLessThan(1e-9);
  });

  it('averages across midnight with unequal sides', () => {
    expect(circularMeanHour([22, 23, 0, 1, 2])!).toBeCloseTo(0, 9);
    expect(hourDistance(circularMeanHour([23.5, 0.5, 23.75])!, 23.91666)).toBeLessThan(0.05);
  });

  it('is the plain mean for hours away from midnight', () => {
    expect(circularMeanHour([8, 9, 10])).toBeCloseTo(9, 9);
  });

  it('has no mean when the hours cancel out, nor for no hours', () => {
    expect(circularMeanHour([6, 18])).toBeNull();
    expect(circularMeanHour([0, 8, 16])).toBeNull();
    expect(circularMeanHour([])).toBeNull();
  });

  it('turns with the clock: shifting every hour by k shifts the mean by k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 23.99, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 23.99, noNaN: true }),
        (hours, k) => {
          const mean = circularMeanHour(hours);
          const shifted = circularMeanHour(hours.map((h) => (h + k) % 24));
          if (mean === null || shifted === null) return;
          // Far from cancelling out, the mean is well conditioned.
          const s = hours.reduce((a, h) => a + Math.sin((Math.PI * h) / 12), 0);
          const c = hours.reduce((a, h) => a + Math.cos((Math.PI * h) / 12), 0);
          fc.pre(Math.hypot(s, c) / hours.length > 1e-3);
          expect(hourDistance(shifted, (mean + k) % 24)).toBeLessThan(1e-6);
          expect(mean).toBeGreaterThanOrEqual(0);
          expect(mean).toBeLessThan(24);
        },
      ),
    );
  });
});
