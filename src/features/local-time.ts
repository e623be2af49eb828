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

/** The wall clock through ICU for every call: the reference the cached path must equal. */
export function localTimeExact(epochMs: number, timezone: string): LocalTime {
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

const HOUR_MS = 3_600_000;
const DAY_S = 86_400;
// Outside these years ICU's calendar (eras, proleptic Gregorian) is left to speak for itself.
const CACHED_FROM = Date.UTC(1900, 0, 1);
const CACHED_UNTIL = Date.UTC(2200, 0, 1);

/**
 * Per zone, the UTC hour last asked for and the zone's offset throughout it (ms), or null when the
 * offset changes inside that hour (a DST switch at :30 or :45 UTC), where every call asks ICU.
 */
const offsets = new Map<string, { hour: number; offsetMs: number | null }>();
const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatterFor(timezone: string): Intl.DateTimeFormat {
  let f = dateFormatters.get(timezone);
  if (f) return f;
  formatterFor(timezone); // throws UnknownTimezoneError for an unknown zone
  f = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  if (dateFormatters.size >= MAX_CACHED_ZONES) dateFormatters.clear();
  dateFormatters.set(timezone, f);
  return f;
}

/** Local wall time minus UTC at `epochMs`, to the second (zone offsets are whole seconds). */
function offsetAt(epochMs: number, timezone: string): number {
  const p: Record<string, number> = {};
  for (const part of dateFormatterFor(timezone).formatToParts(epochMs)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

function offsetThroughout(hour: number, timezone: string): number | null {
  const start = offsetAt(hour * HOUR_MS, timezone);
  // tzdata has no zone that changes offset twice within an hour, so equal ends mean one offset.
  return offsetAt(hour * HOUR_MS + HOUR_MS - 1, timezone) === start ? start : null;
}

/**
 * The wall-clock hour and weekday of an instant in a zone. ICU is asked for the zone's UTC offset once
 * per zone and UTC hour (the K candidates of a request, and all requests of that hour, share it); the
 * rest is arithmetic on the shifted instant. Equal to `localTimeExact`, DST switches included.
 */
export function localTime(epochMs: number, timezone: string): LocalTime {
  if (!(epochMs >= CACHED_FROM && epochMs < CACHED_UNTIL)) return localTimeExact(epochMs, timezone);
  const hour = Math.floor(epochMs / HOUR_MS);
  let entry = offsets.get(timezone);
  if (entry === undefined || entry.hour !== hour) {
    entry = { hour, offsetMs: offsetThroughout(hour, timezone) };
    if (offsets.size >= MAX_CACHED_ZONES) offsets.clear();
    offsets.set(timezone, entry);
  }
  if (entry.offsetMs === null) return localTimeExact(epochMs, timezone);
  const local = Math.floor((epochMs + entry.offsetMs) / 1000);
  const ofDay = ((local % DAY_S) + DAY_S) % DAY_S;
  const h = Math.floor(ofDay / 3600);
  const minute = Math.floor((ofDay % 3600) / 60);
  const second = ofDay % 60;
  // Day 0 (1970-01-01) was a Thursday: 3 with Monday = 0.
  const day = Math.floor(local / DAY_S);
  return { h: h + minute / 60 + second / 3600, dow: (((day + 3) % 7) + 7) % 7 };
}
