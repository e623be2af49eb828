import { hourDistance } from './circular-mean.js';

const MINUTES_PER_DAY = 24 * 60;
export const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of an "HH:MM" string. */
export function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not an "HH:MM" time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The quiet window [start, end), in minutes after midnight. start > end wraps midnight (22:00–07:00);
 * start = end is an empty window (no quiet hours), not a whole quiet day.
 */
export interface QuietWindow {
  readonly start: number;
  readonly end: number;
}

export function isQuietMinute(minute: number, w: QuietWindow): boolean {
  if (w.start === w.end) return false;
  return w.start < w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
}

/** An hour is allowed when none of its 60 minutes is quiet: a tip sent in that hour never breaks the window. */
export function isAllowedHour(hour: number, w: QuietWindow): boolean {
  for (let m = hour * 60; m < hour * 60 + 60; m++) if (isQuietMinute(m % MINUTES_PER_DAY, w)) return false;
  return true;
}

/**
 * The allowed hour closest to `target` (an hour in [0, 24), possibly fractional) on the 24-hour
 * circle; `target` itself when its rounded hour is allowed. Equally close hours before and after the
 * window: the one after it (the window's end), as a tip delayed past quiet hours rather than sent early.
 * Null when every hour touches the window.
 */
export function nearestAllowedHour(target: number, w: QuietWindow): number | null {
  const rounded = Math.round(target) % 24;
  if (isAllowedHour(rounded, w)) return rounded;
  let best: number | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let step = 1; step <= 12; step++) {
    // Forward first, so that ties go to the later hour.
    for (const h of [(rounded + step) % 24, (rounded - step + 24) % 24]) {
      if (!isAllowedHour(h, w)) continue;
      const d = hourDistance(h, target);
      if (d < bestDistance - 1e-12) {
        best = h;
        bestDistance = d;
      }
    }
  }
  return best;
}
