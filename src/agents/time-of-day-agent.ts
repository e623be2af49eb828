import { z } from 'zod';
import { localTime } from '../features/mod.js';
import type { Agent } from './agent.js';
import { circularMeanHour } from './circular-mean.js';
import { HHMM, minutesOf, nearestAllowedHour, type QuietWindow } from './quiet-hours.js';
import { isPositive } from './user-history.js';

const HhMm = z.string().regex(HHMM, 'must be "HH:MM" (00:00 to 23:59)');

export const TimeOfDayPrefs = z
  .looseObject({
    quiet_start: HhMm.nullish(),
    quiet_end: HhMm.nullish(),
  })
  .superRefine((p, ctx) => {
    const hasStart = p.quiet_start != null;
    const hasEnd = p.quiet_end != null;
    if (hasStart !== hasEnd) {
      ctx.addIssue({
        code: 'custom',
        message: 'quiet_start and quiet_end go together',
        path: [hasStart ? 'quiet_end' : 'quiet_start'],
      });
    }
  })
  .transform((p): { quiet: QuietWindow | null } => ({
    quiet:
      p.quiet_start != null && p.quiet_end != null
        ? { start: minutesOf(p.quiet_start), end: minutesOf(p.quiet_end) }
        : null,
  }));
export type TimeOfDayPrefs = z.output<typeof TimeOfDayPrefs>;

export const TimeOfDayOutput = z.object({ preferred_hour: z.number().int().min(0).max(23).nullable() });
export type TimeOfDayOutput = z.output<typeof TimeOfDayOutput>;

/**
 * When in the day this user acts on tips: the circular mean of the local hours of their positive
 * events, moved out of their quiet hours to the nearest allowed hour.
 */
export const timeOfDayAgent: Agent<TimeOfDayPrefs> = {
  id: 'time_of_day',
  version: '1.1.0',
  inferredParams: ['preferred_hour'],
  minHistory: 5,
  prefsSchema: TimeOfDayPrefs,
  outputSchema: TimeOfDayOutput,
  countedEvents: (history) => history.events.filter(isPositive),
  infer({ events, timezone, prefs }): TimeOfDayOutput {
    const mean = circularMeanHour(events.map((e) => localTime(e.ts, timezone).h));
    if (mean === null) return { preferred_hour: null };
    return { preferred_hour: prefs.quiet ? nearestAllowedHour(mean, prefs.quiet) : Math.round(mean) % 24 };
  },
};
