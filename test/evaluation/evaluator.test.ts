import { describe, expect, it } from 'vitest';
import type { DecisionRecord, LogRecord } from '../../src/evaluation/decision-records.js';
import { OffPolicyEvaluator } from '../../src/evaluation/evaluator.js';
import { createRandomSource, syntheticLog, syntheticWorld } from '../helpers/synthetic-log.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');

function decision(
  i: number,
  policy: DecisionRecord['policy'],
  shadow: DecisionRecord['policy'],
): DecisionRecord {
  return {
    type: 'decision',
    event_id: `e${i}`,
    ts: new Date(T0 + i * 1000).toISOString(),
    user_id: 'u',
    policy,
    chosen_id: 'a',
    propensity: 0.5,
    epsilon: 0.5,
    candidates: ['a', 'b'],
    q: [0.25, 0.75],
    shadows: { [shadow]: { chosen_id: 'b', p_chosen: 0, epsilon: 0 } },
  };
}

const reward = (i: number, candidate: string, r: number, dt = 500): LogRecord => ({
  type: 'reward',
  event_id: `e${i}`,
  candidate_id: candidate,
  reward: r,
  ts: new Date(T0 + i * 1000 + dt).toISOString(),
});

describe('OffPolicyEvaluator', () => {
  it('holds only the decisions whose reward window is open, however long the log', () => {
    const random = createRandomSource(5);
    const world = syntheticWorld(random);
    // 20,000 decisions a minute apart under a 1-hour window: ~60 open at a time, plus the reorder slack.
    const records = syntheticLog(world, random, {
      n: 20_000,
      startMs: T0,
      stepMs: 60_000,
      rewardDelayMs: 1000,
    });
    const ev = new OffPolicyEvaluator({
      fromMs: T0,
      toMs: T0 + 20_000 * 60_000,
      windowMs: HOUR,
      nowMs: T0 + 1e10,
    });
    let most = 0;
    for (const r of records) {
      ev.add(r);
      most = Math.max(most, ev.held);
    }
    expect(most).toBeGreaterThan(50);
    expect(most).toBeLessThanOrEqual(67);
    expect(ev.finish().decisions).toBe(20_000);
  });

  it('counts only the logged candidate’s first reward, and only after its decision', () => {
    const ev = new OffPolicyEvaluator({ fromMs: T0, toMs: T0 + HOUR, windowMs: HOUR, nowMs: T0 + 10 * HOUR });
    ev.add(reward(0, 'a', 1, -1)); // before its decision: not joined
    ev.add(decision(0, 'egreedy_v1', 'linucb_v1'));
    ev.add(reward(0, 'b', 1)); // another candidate: teaches the policies, not the estimate
    ev.add(decision(1, 'egreedy_v1', 'linucb_v1'));
    ev.add(reward(1, 'a', 1));
    ev.add(reward(1, 'a', 0, 900)); // a repeat with another value: the first one stands
    const { rows, decisions } = ev.finish();
    expect(decisions).toBe(2);
    const logging = rows.find((r) => r.policy === 'egreedy_v1')!;
    expect(logging).toMatchObject({ n: 2, ips: 0.5 });
    // LinUCB would have chosen b (p_chosen 0): IPS 0, and DR is its model's q(b) = 0.75 each time.
    expect(rows.find((r) => r.policy === 'linucb_v1')).toMatchObject({
      n: 2,
      ips: 0,
      dr: 0.75,
      ess: 0,
      snips: null,
    });
  });

  it('marks a policy that was logger in some decisions and shadow in others as mixed', () => {
    const ev = new OffPolicyEvaluator({ fromMs: T0, toMs: T0 + HOUR, windowMs: HOUR, nowMs: T0 + 10 * HOUR });
    ev.add(decision(0, 'egreedy_v1', 'linucb_v1'));
    ev.add(decision(1, 'linucb_v1', 'egreedy_v1'));
    const roles = Object.fromEntries(ev.finish().rows.map((r) => [r.policy, r.role]));
    expect(roles).toEqual({ egreedy_v1: 'mixed', linucb_v1: 'mixed' });
  });

  it('leaves out unrewarded decisions inside their window and counts them as 0 after it', () => {
    const win = { fromMs: T0, toMs: T0 + HOUR, windowMs: HOUR };
    const early = new OffPolicyEvaluator({ ...win, nowMs: T0 + 30 * 60_000 });
    const late = new OffPolicyEvaluator({ ...win, nowMs: T0 + 2 * HOUR });
    for (const ev of [early, late]) {
      ev.add(decision(0, 'egreedy_v1', 'linucb_v1'));
      ev.add(decision(1, 'egreedy_v1', 'linucb_v1'));
      ev.add(reward(1, 'a', 1));
    }
    expect(early.finish()).toMatchObject({ decisions: 1, awaiting_reward: 1 });
    const l = late.finish();
    expect(l).toMatchObject({ decisions: 2, awaiting_reward: 0 });
    expect(l.rows[0]).toMatchObject({ policy: 'egreedy_v1', n: 2, ips: 0.5 });
  });
});
