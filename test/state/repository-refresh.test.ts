import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/file-store.js';
import { type PolicyState, toDocument } from '../../src/state/policy-state.js';
import { PolicyStateRepository } from '../../src/state/policy-state-repository.js';
import { tempDir } from '../helpers/temp-dir.js';

const log = pino({ level: 'silent' });
const X = [0.5, 1, 0, 0.25, 1];

function repository() {
  const store = new FileStateStore({ dir: tempDir(), fsync: false, log });
  const changes: { user: string; n: number | null }[] = [];
  const states = new PolicyStateRepository(store, {
    lambda: 1,
    cacheSize: 100,
    log,
    onChange: (_p, user, s: PolicyState | null) => changes.push({ user, n: s?.nUpdates ?? null }),
  });
  return { states, changes };
}

/** The document another replica would have written: `n` rewards of 1 on X. */
async function documentWith(n: number) {
  const { states } = repository();
  for (let i = 0; i < n; i++)
    await states.apply('linucb_v1', 'other', {
      kind: 'reward',
      x: X,
      reward: 1,
      idempotencyKey: `e${i}:t`,
      ts: 't',
    });
  return toDocument(await states.get('linucb_v1', 'other'));
}

describe('PolicyStateRepository.refresh (a change committed by another replica)', () => {
  it('replaces a hot copy older than the change and tells resident copies', async () => {
    const { states, changes } = repository();
    await states.apply('linucb_v1', 'u1', {
      kind: 'reward',
      x: X,
      reward: 1,
      idempotencyKey: 'a:t',
      ts: 't',
    });
    const mine = changes.length;
    states.refresh('linucb_v1', 'u1', { value: await documentWith(3), revision: 1000 }, 1000);
    expect((await states.get('linucb_v1', 'u1')).nUpdates).toBe(3);
    expect(changes.slice(mine)).toEqual([{ user: 'u1', n: 3 }]);
    // An older or equal revision (the echo of a write already seen) changes nothing.
    states.refresh('linucb_v1', 'u1', { value: await documentWith(5), revision: 999 }, 999);
    states.refresh('linucb_v1', 'u1', { value: await documentWith(5), revision: 1000 }, 1000);
    expect((await states.get('linucb_v1', 'u1')).nUpdates).toBe(3);
    // A deletion makes the hot copy cold.
    states.refresh('linucb_v1', 'u1', null, 1001);
    expect((await states.get('linucb_v1', 'u1')).nUpdates).toBe(0);
    expect(changes.at(-1)).toEqual({ user: 'u1', n: null });
  });

  it('leaves a user who is not hot to the next read, and drops everything on invalidateAll', async () => {
    const { states, changes } = repository();
    states.refresh('linucb_v1', 'cold', { value: await documentWith(2), revision: 5 }, 5);
    expect(changes).toEqual([]);
    expect((await states.get('linucb_v1', 'cold')).nUpdates).toBe(0);
    await states.apply('linucb_v1', 'u2', { kind: 'reward', x: X, reward: 1, idempotencyKey: null, ts: 't' });
    expect(states.cachedEntries).toBeGreaterThan(0);
    states.invalidateAll();
    expect(states.cachedEntries).toBe(0);
    expect((await states.get('linucb_v1', 'u2')).nUpdates).toBe(1);
  });
});
