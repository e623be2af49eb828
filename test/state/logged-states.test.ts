import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldRewards, logSeqOf, messageIdOf, snapshotOf } from '../../src/state/logged-states.js';
import { coldState, fromDocument, type PolicyState } from '../../src/state/policy-state.js';
import type { LoggedReward } from '../../src/state/reward-log.js';

const D = 5;

/** A user's log: rewards in sequence order, some carrying a key another one already carried. */
const logArb = fc
  .array(
    fc.record({
      x: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: D, maxLength: D }),
      reward: fc.double({ min: -1, max: 1, noNaN: true }),
      key: fc.option(fc.constantFrom('e1:t1', 'e1:t2', 'e2:t1', 'e3:t3'), { nil: null }),
    }),
    { maxLength: 30 },
  )
  .map((rs) =>
    rs.map(
      (r, i): LoggedReward => ({ ...r, seq: 3 * i + 1, ts: new Date(1_700_000_000_000 + i).toISOString() }),
    ),
  );

function same(a: PolicyState, b: PolicyState): void {
  expect(Array.from(a.a)).toEqual(Array.from(b.a));
  expect(Array.from(a.b)).toEqual(Array.from(b.b));
  expect([a.nUpdates, a.totalReward, a.lastUpdateTs]).toEqual([b.nUpdates, b.totalReward, b.lastUpdateTs]);
  expect(a.appliedKeys).toEqual(b.appliedKeys);
}

describe('folding the rewards log', () => {
  it('a snapshot at any sequence, stored and folded forward, equals the fold of the whole log, bit for bit', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), (log, cut) => {
        const whole = coldState('linucb_v1', 1);
        foldRewards(whole, log);
        const k = log.length === 0 ? 0 : cut % (log.length + 1);
        const prefix = coldState('linucb_v1', 1);
        foldRewards(prefix, log.slice(0, k));
        const seq = k === 0 ? 0 : log[k - 1]!.seq;
        // Through the stored form: JSON keeps float64 exactly and carries the sequence.
        const stored = JSON.parse(JSON.stringify(snapshotOf(prefix, seq)));
        expect(logSeqOf(stored)).toBe(seq);
        const restored = fromDocument('linucb_v1', stored) as PolicyState;
        foldRewards(
          restored,
          log.filter((r) => r.seq > seq),
        );
        same(restored, whole);
      }),
    );
  });

  it('applies a key once however often the log repeats it, and every keyless reward', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const s = coldState('egreedy_v1', 1);
        const applied = foldRewards(s, [...log, ...log.map((r) => ({ ...r, seq: r.seq + 1 }))]);
        const keys = new Set(log.flatMap((r) => (r.key === null ? [] : [r.key])));
        const keyless = log.filter((r) => r.key === null).length;
        expect(s.nUpdates).toBe(keys.size + 2 * keyless);
        expect(applied.size).toBe(s.nUpdates);
      }),
    );
  });

  it('gives a repeat of (policy, key) the same message id, other policies and keyless rewards their own', () => {
    expect(messageIdOf('linucb_v1', 'e\n1:t')).toBe(messageIdOf('linucb_v1', 'e\n1:t'));
    expect(messageIdOf('linucb_v1', 'e1:t')).not.toBe(messageIdOf('egreedy_v1', 'e1:t'));
    expect(messageIdOf('linucb_v1', null)).not.toBe(messageIdOf('linucb_v1', null));
    expect(messageIdOf('linucb_v1', 'e\n1:t')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('reads a document without a sequence (the file layout, an import) as sequence 0', () => {
    expect(logSeqOf({ schema: 1 })).toBe(0);
    expect(logSeqOf({ log_seq: 'x' })).toBe(0);
    expect(logSeqOf(null)).toBe(0);
  });
});
