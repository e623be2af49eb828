import { describe, expect, it } from 'vitest';
import { posterior } from '../../kernels/reference/mod.js';
import {
  cloneState,
  coldState,
  fromDocument,
  type PolicyState,
  posteriorOf,
  rememberAppliedKey,
  toDocument,
} from '../../src/state/policy-state.js';

describe('compact policy state', () => {
  it('cold states share nothing mutable: keys remembered by one are not seen by another', () => {
    const a = coldState('egreedy_v1', 1);
    const b = coldState('egreedy_v1', 1);
    rememberAppliedKey(a, 'e1:t1');
    expect(a.appliedKeys).toEqual(['e1:t1']);
    expect(a.appliedSet?.has('e1:t1')).toBe(true);
    expect(b.appliedKeys).toEqual([]);
    expect(b.appliedSet).toBeNull();
    const c = cloneState(b);
    rememberAppliedKey(c, 'e2:t1');
    expect(b.appliedKeys).toEqual([]);
    expect(coldState('egreedy_v1', 1).appliedKeys).toEqual([]);
  });

  it('A and b are separate views: writing one never touches the other, clones are independent', () => {
    const s = coldState('egreedy_v2', 2);
    expect(s.a.length).toBe(144);
    expect(s.b.length).toBe(12);
    s.b.fill(7);
    expect(Array.from(s.a.subarray(0, 14))).toEqual([2, ...Array(12).fill(0), 2]);
    const c = cloneState(s);
    c.a[0] = 99;
    c.b[0] = -1;
    expect(s.a[0]).toBe(2);
    expect(s.b[0]).toBe(7);
  });

  it('round-trips through its document, keys and all, and the posterior is computed from (A, b)', () => {
    const s: PolicyState = coldState('linucb_v1', 1);
    s.a.set([2, 0.5, 0, 0, 0, 0.5, 3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    s.b.set([1, -1, 0.5, 0, 0.25]);
    rememberAppliedKey(s, 'k1');
    const back = fromDocument('linucb_v1', JSON.parse(JSON.stringify(toDocument(s))));
    if ('problem' in back) throw new Error(back.problem);
    expect(Array.from(back.a)).toEqual(Array.from(s.a));
    expect(Array.from(back.b)).toEqual(Array.from(s.b));
    expect(back.appliedSet?.has('k1')).toBe(true);
    expect(Array.from(posteriorOf(back).theta)).toEqual(Array.from(posterior(s.a, s.b, 5).theta));
  });
});
