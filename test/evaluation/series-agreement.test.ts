import { describe, expect, it } from 'vitest';
import type { DecisionRecord, LogRecord } from '../../src/evaluation/decision-records.js';
import { OffPolicyEvaluator } from '../../src/evaluation/evaluator.js';
import type { PolicyName } from '../../src/policies/policy-names.js';
import { createRandomSource, SHADOWS, syntheticLog, syntheticWorld } from '../helpers/synthetic-log.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
// Not on a day boundary, so the first and last buckets are partial.
const T0 = Date.parse('2026-11-01T07:13:00Z');

function log(n: number, missing = 0): LogRecord[] {
  const random = createRandomSource(17);
  const world = syntheticWorld(random);
  // ~3.5 days of decisions, 5 minutes apart.
  return syntheticLog(world, random, { n, startMs: T0, stepMs: 5 * 60_000, rewardDelayMs: 30_000, missing });
}

function evaluate(records: LogRecord[], fromMs: number, toMs: number, bucketMs?: number) {
  const ev = new OffPolicyEvaluator({ fromMs, toMs, windowMs: HOUR, nowMs: T0 + 100 * DAY, bucketMs });
  for (const r of records) ev.add(r);
  return ev.finish();
}

describe('OffPolicyEvaluator: the per-bucket series', () => {
  it('gives each UTC day exactly the estimates of a window that is that day alone', () => {
    const records = log(1000);
    const all = evaluate(records, T0, T0 + 10 * DAY, DAY);
    const days = [...new Set(all.series.map((s) => s.startMs))];
    expect(days).toEqual([0, 1, 2, 3].map((d) => Date.parse('2026-11-01T00:00:00Z') + d * DAY));
    for (const day of days) {
      const alone = evaluate(records, day, day + DAY - 1);
      const points = all.series.filter((s) => s.startMs === day);
      expect(points.map((p) => p.policy).sort()).toEqual(
        alone.rows
          .filter((r) => r.n > 0)
          .map((r) => r.policy)
          .sort(),
      );
      for (const { startMs: _, ...point } of points) {
        const {
          role: _role,
          agreement: _agreement,
          ...row
        } = alone.rows.find((r) => r.policy === point.policy)!;
        expect(point).toEqual(row);
      }
    }
    // The buckets split the window's decisions: their counts add up to the whole window's.
    for (const row of all.rows) {
      const n = all.series.filter((s) => s.policy === row.policy).reduce((a, s) => a + s.n, 0);
      expect(n).toBe(row.n);
    }
  });

  it('is in time order, hour by hour, and empty without a bucket width', () => {
    const records = log(200);
    const hourly = evaluate(records, T0, T0 + DAY, HOUR).series;
    const starts = hourly.map((s) => s.startMs);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts.every((s) => s % HOUR === 0)).toBe(true);
    expect(new Set(starts).size).toBe(17); // 07:00 through 23:00
    expect(evaluate(records, T0, T0 + DAY).series).toEqual([]);
  });
});

describe('OffPolicyEvaluator: agreement and rewarded', () => {
  it("counts each shadow's agreement with the logged choice and the decisions whose reward came", () => {
    const records = log(600, 0.25);
    const result = evaluate(records, T0, T0 + 10 * DAY);
    const decisions = records.filter((r): r is DecisionRecord => r.type === 'decision');
    const rewardedIds = new Set(
      records.flatMap((r) => {
        if (r.type !== 'reward') return [];
        const d = decisions.find((x) => x.event_id === r.event_id)!;
        return r.candidate_id === d.chosen_id ? [r.event_id] : [];
      }),
    );
    expect(result.decisions).toBe(600);
    expect(result.rewarded).toBe(rewardedIds.size);
    expect(result.rewarded).toBeLessThan(500);
    for (const s of SHADOWS) {
      const agreed = decisions.filter((d) => d.shadows[s as PolicyName]!.chosen_id === d.chosen_id).length;
      const row = result.rows.find((r) => r.policy === s)!;
      expect(row.agreement).toBe(agreed / 600);
      expect(row.agreement).toBeGreaterThan(0);
      expect(row.agreement).toBeLessThan(1);
    }
    expect(result.rows.find((r) => r.role === 'logging')!.agreement).toBeNull();
  });
});
