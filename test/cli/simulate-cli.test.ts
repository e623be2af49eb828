import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);

describe('npm run simulate (the built CLI, spawning the real service)', () => {
  it('drives the service over HTTP, prints regret and estimates beside true values, writes charts', async () => {
    const out = tempDir();
    const { stdout } = await run(process.execPath, [
      'dist/src/cli/simulate.js',
      '--rounds',
      '300',
      '--users',
      '4',
      '--seed',
      '5',
      '--out',
      out,
    ]);
    expect(stdout).toMatch(/300 rounds, 4 users, 5 candidates, seed 5, ε 0.1, active egreedy_v1/);
    expect(stdout).toMatch(/^uniform_random\s+baseline\s/m);
    expect(stdout).toMatch(/^linucb_v1\s+shadow\s+300\s/m);
    const result = JSON.parse(readFileSync(join(out, 'simulate.json'), 'utf8'));
    expect(result.evaluation.decisions).toBe(300);
    expect(result.outcomes.map((o: { policy: string }) => o.policy).sort()).toEqual([
      'egreedy_v1',
      'egreedy_v2',
      'linucb_v1',
      'uniform_random',
    ]);
    // The logging policy's on-policy estimate is the mean of the rewards the simulator drew.
    const logging = result.evaluation.policies.find((p: { policy: string }) => p.policy === 'egreedy_v1');
    expect(logging.n).toBe(300);
    for (const f of ['regret.svg', 'evaluation.svg'])
      expect(readFileSync(join(out, f), 'utf8')).toMatch(/^<svg/);
  }, 60_000);
});
