import { describe, expect, it } from 'vitest';
import {
  isAllowedHour,
  minutesOf,
  nearestAllowedHour,
  type QuietWindow,
} from '../../src/agents/quiet-hours.js';

const win = (start: string, end: string): QuietWindow => ({ start: minutesOf(start), end: minutesOf(end) });
const allowed = (w: QuietWindow) =>
  Array.from({ length: 24 }, (_, h) => h).filter((h) => isAllowedHour(h, w));

describe('quiet hours', () => {
  it('reads "HH:MM" and refuses anything else', () => {
    expect(minutesOf('00:00')).toBe(0);
    expect(minutesOf('07:30')).toBe(450);
    expect(minutesOf('23:59')).toBe(1439);
    for (const bad of ['24:00', '7:30', '07:60', '0730', '', '07:30:00'])
      expect(() => minutesOf(bad)).toThrow();
  });

  it('a window within a day keeps the hours it touches quiet, end excluded', () => {
    expect(allowed(win('12:00', '14:00'))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    ]);
  });

  it('a window that wraps midnight', () => {
    expect(allowed(win('22:00', '07:00'))).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    // An hour partly inside the window is not allowed: a tip in it could land in quiet time.
    expect(allowed(win('22:30', '06:15'))).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
  });

  it('start = end is no quiet hours at all', () => {
    expect(allowed(win('09:00', '09:00'))).toHaveLength(24);
  });

  it('moves a quiet hour to the nearest allowed one, across midnight both ways', () => {
    const night = win('22:00', '07:00');
    expect(nearestAllowedHour(23, night)).toBe(21);
    expect(nearestAllowedHour(23.9, night)).toBe(21);
    expect(nearestAllowedHour(0.4, night)).toBe(21);
    expect(nearestAllowedHour(5, night)).toBe(7);
    expect(nearestAllowedHour(6.6, night)).toBe(7);
    expect(nearestAllowedHour(21.4, night)).toBe(21);
    expect(nearestAllowedHour(15, night)).toBe(15);
    expect(nearestAllowedHour(21.6, night)).toBe(21); // rounds to 22, quiet; 21 is 0.6 away
  });

  it('a tie goes to the hour after the window, also with floating-point noise', () => {
    const night = win('22:00', '07:00');
    expect(nearestAllowedHour(2, night)).toBe(7); // 21 and 7 are both 5 hours away
    expect(nearestAllowedHour(2 - 1e-12, night)).toBe(7);
    expect(nearestAllowedHour(2 + 1e-12, night)).toBe(7);
    expect(nearestAllowedHour(13, win('12:00', '14:00'))).toBe(14);
    expect(nearestAllowedHour(12, win('12:00', '14:00'))).toBe(11);
    expect(nearestAllowedHour(12.5, win('12:00', '14:00'))).toBe(14);
  });

  it('a window with a non-round end moves to the first whole hour after it', () => {
    expect(nearestAllowedHour(6, win('22:00', '06:30'))).toBe(7);
    expect(nearestAllowedHour(22, win('22:30', '06:00'))).toBe(21);
  });

  it('no hour at all when the window leaves none free', () => {
    expect(nearestAllowedHour(10, win('00:30', '00:15'))).toBeNull();
    expect(nearestAllowedHour(10, win('00:00', '23:59'))).toBeNull();
  });
});
