import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { POLICY_NAMES } from '../../src/policies/policy-names.js';
import { FileStateStore } from '../../src/state/file-store.js';
import { posteriorOf } from '../../src/state/policy-state.js';
import { PolicyStateRepository } from '../../src/state/policy-state-repository.js';

/**
 * Heap cost of one cached user over all three policies, measured in isolation (run with
 * --expose-gc): N users' states loaded into the repository's LRU after one reward each (by value, no
 * idempotency key), each scored once (the posterior is derived per call and not kept). Prints JSON.
 */
const USERS = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function used(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const dir = mkdtempSync(join(tmpdir(), 'oo-state-mem-'));
const log = pino({ level: 'silent' });
const store = new FileStateStore({ dir, fsync: false, log });
const repo = new PolicyStateRepository(store, { lambda: 1, cacheSize: USERS * 3, log });
const x = Float64Array.from({ length: 12 }, (_, i) => (i + 1) / 12);

const before = used();
for (let u = 0; u < USERS; u++) {
  for (const policy of POLICY_NAMES) {
    await repo.apply(policy, `user-${u}`, {
      kind: 'reward',
      x,
      reward: 0.5,
      idempotencyKey: null,
      ts: new Date(1_790_000_000_000 + u).toISOString(),
    });
    posteriorOf(await repo.get(policy, `user-${u}`));
  }
}
const after = used();
process.stdout.write(
  `${JSON.stringify({ users: USERS, cachedEntries: repo.cachedEntries, bytesPerUser: (after - before) / USERS })}\n`,
);
rmSync(dir, { recursive: true, force: true });
