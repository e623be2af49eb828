import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiveWindow } from '../../src/observability/live-window.js';

const STEP = 2 ** (1 / 8);

describe('LiveWindow', () => {
  it('answers a p99 at or above the exact nearest-rank p99, by less than one bucket (×2^(1/8))', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.02, max: 5000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        (latenciesMs) => {
          let now = 1_000_000;
          const live = new LiveWindow(60, () => now);
          for (const ms of latenciesMs) live.record('score', ms / 1000);
          now += 1000;
          const sorted = [...latenciesMs].sort((a, b) => a - b);
          const exact = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
          const { p99Ms, perSecond } = live.figures();
          expect(p99Ms.score).toBeGreaterThanOrEqual(exact * (1 - 1e-12));
          expect(p99Ms.score).toBeLessThan(exact * STEP * (1 + 1e-12));
          expect(perSecond.score).toBe(latenciesMs.length);
          expect(p99Ms.reward).toBeNull();
        },
      ),
    );
  });

  it('counts the whole seconds of the window only, and forgets what is older', () => {
    let now = 5_000_000;
    const live = new LiveWindow(60, () => now);
    for (let s = 0; s < 90; s++) {
      for (let i = 0; i < s; i++) live.record('reward', 0.001);
      now += 1000;
    }
    // Seconds 30..89 are in the window: Σ s for s in [30, 89] over 60 s.
    let sum = 0;
    for (let s = 30; s < 90; s++) sum += s;
    expect(live.figures()).toMatchObject({ seconds: 60, perSecond: { reward: sum / 60, score: 0 } });
    // The second in progress is not counted yet.
    for (let i = 0; i < 1000; i++) live.record('reward', 0.001);
    expect(live.figures().perSecond.reward).toBe(sum / 60);
    now += 61_000;
    expect(live.figures()).toMatchObject({ perSecond: { reward: 0 }, p99Ms: { reward: null } });
  });

  it('divides by the seconds since start when the service is younger than the window', () => {
    let now = 7_000_400;
    const live = new LiveWindow(60, () => now);
    for (let i = 0; i < 30; i++) live.record('score', 0.002);
    now += 3000;
    expect(live.figures()).toMatchObject({ seconds: 3, perSecond: { score: 10 } });
  });
});
