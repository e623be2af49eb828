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

/** Distances closer than this are a tie: floating-point noise in a mean must not pick the side. */
const TIE = 1e-9;

/**
 * The allowed hour closest to `target` (an hour in [0, 24), possibly fractional) on the 24-hour
 * circle; `target`'s rounded hour when that one is allowed. Equally close hours before and after the
 * window: the one after `target` (a tip delayed past quiet hours rather than sent before they start).
 * Null when every hour touches the window.
 */
export function nearestAllowedHour(target: number, w: QuietWindow): number | null {
  const rounded = Math.round(target) % 24;
  if (isAllowedHour(rounded, w)) return rounded;
  let best: number | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bestIsLater = false;
  for (let h = 0; h < 24; h++) {
    if (!isAllowedHour(h, w)) continue;
    const d = hourDistance(h, target);
    const later = (((h - target) % 24) + 24) % 24 <= 12;
    if (d < bestDistance - TIE || (Math.abs(d - bestDistance) <= TIE && later && !bestIsLater)) {
      best = h;
      bestDistance = d;
      bestIsLater = later;
    }
  }
  return best;
}
