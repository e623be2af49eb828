/**
 * Wall-clock hour and weekday of an instant in an IANA zone, DST included, through the ICU tables Node
 * ships (no timezone library to keep in sync). Formatters are costly to build, so they are cached.
 */
const WEEKDAY: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
const MAX_CACHED_ZONES = 512;
const formatters = new Map<string, Intl.DateTimeFormat>();

export class UnknownTimezoneError extends Error {
  override readonly name = 'UnknownTimezoneError';
  constructor(readonly timezone: string) {
    super(`unknown IANA time zone "${timezone}"`);
  }
}

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new UnknownTimezoneError(timezone);
  }
  if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
  formatters.set(timezone, f);
  return f;
}

export function isKnownTimezone(timezone: string): boolean {
  try {
    formatterFor(timezone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  /** hour + minute/60 + second/3600, in [0, 24). */
  readonly h: number;
  /** Monday = 0 … Sunday = 6. */
  readonly dow: number;
}

export function localTime(epochMs: number, timezone: string): LocalTime {
  let hour = 0;
  let minute = 0;
  let second = 0;
  let dow = 0;
  for (const part of formatterFor(timezone).formatToParts(epochMs)) {
    switch (part.type) {
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'weekday':
        dow = WEEKDAY[part.value] ?? 0;
        break;
    }
  }
  return { h: hour + minute / 60 + second / 3600, dow };
}
