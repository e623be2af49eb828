const TWO_PI = 2 * Math.PI;
/** Below this mean resultant length the hours cancel out (say 06:00 and 18:00): there is no mean. */
export const MIN_RESULTANT = 1e-9;

/**
 * The circular mean of hours of the day in [0, 24): each hour is a unit vector on the 24-hour
 * circle, so 23:00 and 01:00 average to 00:00, not 12:00. Returns null when the vectors cancel out.
 */
export function circularMeanHour(hours: readonly number[]): number | null {
  if (hours.length === 0) return null;
  let s = 0;
  let c = 0;
  for (const h of hours) {
    const a = (TWO_PI * h) / 24;
    s += Math.sin(a);
    c += Math.cos(a);
  }
  if (Math.hypot(s, c) / hours.length < MIN_RESULTANT) return null;
  const mean = (Math.atan2(s, c) * 24) / TWO_PI;
  return ((mean % 24) + 24) % 24;
}

/** Distance between two hours on the 24-hour circle, in [0, 12]. */
export function hourDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d);
}
