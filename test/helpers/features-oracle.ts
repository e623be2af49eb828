import { numpy } from './numpy.js';

/** One feature row's inputs, times in epoch ms. */
export interface FeatureCase {
  now: number;
  tz: string;
  created: number;
  due: number | null;
  priority: number;
  profile: number[] | null;
}

/** The Python reference's feature row for each case (test/oracle/features.py, zoneinfo for local time). */
export function pythonFeatureRows(cases: readonly FeatureCase[]): number[][] {
  const iso = (t: number) => new Date(t).toISOString();
  return numpy<number[][]>(
    'features.py',
    cases.map((c) => ({
      now: iso(c.now),
      tz: c.tz,
      created_at: iso(c.created),
      due_at: c.due === null ? null : iso(c.due),
      priority: c.priority,
      profile: c.profile,
    })),
  );
}
