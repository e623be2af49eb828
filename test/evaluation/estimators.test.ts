import { describe, expect, it } from 'vitest';
import { FileDecisionLog } from '../../src/evaluation/decision-log.js';
import { evaluateLog } from '../../src/evaluation/evaluate-log.js';
import { type Estimate, OffPolicyEvaluator } from '../../src/evaluation/mod.js';
import { numpy } from '../helpers/numpy.js';
import {
  createRandomSource,
  LOGGER,
  SHADOWS,
  syntheticLog,
  syntheticWorld,
} from '../helpers/synthetic-log.js';
import { tempDir } from '../helpers/temp-dir.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-20T22:00:00Z');

type OracleRow = Omit<Estimate, 'n'> & { n: number };

function close(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) {
    expect(actual, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
    1e-9 * Math.max(1, Math.abs(expected)),
  );
}

describe('IPS, SNIPS and DR against an independent numpy implementation', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`agrees to 1e-9 on a random log (seed ${seed})`, async () => {
      const random = createRandomSource(seed);
      const world = syntheticWorld(random, {
        contexts: 5 + Math.floor(random() * 30),
        k: 2 + Math.floor(random() * 6),
        loggerEpsilon: 0.05 + 0.9 * random(),
        shadowEpsilon: random() * 0.5,
      });
      const n = 50 + Math.floor(random() * 400);
      const stepMs = 10 * 60_000;
      const windowMs = 6 * HOUR;
      const records = syntheticLog(world, random, {
        n,
        startMs: START,
        stepMs,
        rewardDelayMs: Math.floor(random() * 5 * HOUR),
        missing: 0.2,
        duplicate: 0.1,
        offTarget: 0.1,
        continuous: seed % 2 === 0,
      });
      // A window that cuts the log at both ends, and a clock under which the last decisions still wait.
      const fromMs = START + stepMs * Math.floor(n * 0.1);
      const toMs = START + stepMs * Math.floor(n * 0.95);
      const nowMs = START + stepMs * n + HOUR;
      const dir = tempDir();
      const log = new FileDecisionLog({ dir, fsync: false });
      await Promise.all(records.map((r) => log.append(r)));
      await log.close();

      const ours = await evaluateLog(dir, { fromMs, toMs, windowMs, nowMs });
      const theirs = numpy<Record<string, OracleRow>>('ope.py', {
        records,
        from_ms: fromMs,
        to_ms: toMs,
        window_ms: windowMs,
        now_ms: nowMs,
      });
      expect(ours.rows.map((r) => r.policy).sort()).toEqual(Object.keys(theirs).sort());
      expect(ours.awaiting_reward).toBeGreaterThan(0);
      for (const row of ours.rows) {
        const o = theirs[row.policy]!;
        expect(row.n, row.policy).toBe(o.n);
        for (const k of ['ips', 'snips', 'dr', 'ess'] as const) close(row[k], o[k], `${row.policy}.${k}`);
        for (const k of ['ci95', 'ips_ci95', 'snips_ci95'] as const) {
          close(row[k]?.[0] ?? null, o[k]?.[0] ?? null, `${row.policy}.${k}[0]`);
          close(row[k]?.[1] ?? null, o[k]?.[1] ?? null, `${row.policy}.${k}[1]`);
        }
      }
    });
  }
});

/** 3,000 decisions a second apart from a seeded world, evaluated in one window closed well after the last. */
function simulatedRun(seed: number) {
  const random = createRandomSource(seed);
  const world = syntheticWorld(random);
  const records = syntheticLog(world, random, { n: 3000, startMs: START, stepMs: 1000, rewardDelayMs: 500 });
  const ev = new OffPolicyEvaluator({
    fromMs: START,
    toMs: START + 3000 * 1000,
    windowMs: HOUR,
    nowMs: START + 3000 * 1000 + 2 * HOUR,
  });
  for (const r of records) ev.add(r);
  return { world, rows: ev.finish().rows };
}

describe('interval coverage on simulated logs with known policy values', () => {
  it('each 95% interval covers the true value in at least 90 of 100 seeded runs', () => {
    const policies = [LOGGER, ...SHADOWS];
    const intervals = ['ci95', 'ips_ci95', 'snips_ci95'] as const;
    const covered = new Map<string, number>();
    for (let seed = 1000; seed < 1100; seed++) {
      const { world, rows } = simulatedRun(seed);
      for (const p of policies) {
        const row = rows.find((r) => r.policy === p)!;
        expect(row.n).toBe(3000);
        for (const k of intervals) {
          const [lo, hi] = row[k]!;
          const hit = lo <= world.truth[p] && world.truth[p] <= hi;
          covered.set(`${p}.${k}`, (covered.get(`${p}.${k}`) ?? 0) + (hit ? 1 : 0));
        }
      }
    }
    for (const [what, hits] of covered) expect(hits, what).toBeGreaterThanOrEqual(90);
  });

  it('an interval built from a biased estimate does not cover (the test can fail)', () => {
    const { world, rows } = simulatedRun(42);
    // The logging policy's on-policy mean is not the value of a shadow that chooses differently.
    const logging = rows.find((r) => r.policy === LOGGER)!;
    const [lo, hi] = logging.ci95!;
    expect(world.truth.linucb_v1 < lo || world.truth.linucb_v1 > hi).toBe(true);
  });
});
